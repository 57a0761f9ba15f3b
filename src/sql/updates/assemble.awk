# assemble.awk: an upgrade script from its update files (Makefile: the
# insight--A--B.sql rule runs `awk -f src/sql/updates/assemble.awk FILES`).
#
# Lines are copied as they are, except a directive that takes a statement of
# the current version from its SQL part instead of a copy of it:
#
#   --@ function PART NAME [N]
#         the Nth (default 1st) CREATE FUNCTION @extschema@.NAME( of the
#         part file PART, as CREATE OR REPLACE FUNCTION
#   --@ comment PART NAME [N]
#         the Nth COMMENT ON FUNCTION @extschema@.NAME( of PART
#
# so that an update file says which functions it brings to their current
# definition and the definition lives in one place, the part.  A statement
# runs to the first line that ends with ';' outside dollar quotes ($$, $tag$).
# A missing part, name or occurrence stops the build with an error.
#
# Only the last definition of a function in the upgrade sequence may be taken
# from the part: an earlier one must stay as it was then, since what the
# current body refers to may not exist yet at that point of the script (and a
# later DROP of an older signature would not find it).  The build stops when a
# function a directive named is defined or named again in a later line.

function fail(msg)
{
	printf "assemble.awk: %s:%d: %s\n", FILENAME, FNR, msg > "/dev/stderr"
	failed = 1
	exit 1
}

# the number of dollar-quote delimiters ($$, $tag$) on a line
function dollar_tokens(line,    n)
{
	n = 0
	while (match(line, /\$[A-Za-z_]*\$/))
	{
		n++
		line = substr(line, RSTART + RLENGTH)
	}
	return n
}

# print the nth statement of part that starts with prefix, rewritten by
# replacing 'from' with 'to' in its first line
function emit(part, prefix, nth, from, to,    line, seen, inside, copying, rc)
{
	seen = 0
	copying = 0
	inside = 0
	while ((rc = getline line < part) > 0)
	{
		if (!copying && index(line, prefix) == 1 && ++seen == nth)
		{
			copying = 1
			if (from != "")
				sub(from, to, line)
		}
		if (!copying)
			continue
		print line
		if (dollar_tokens(line) % 2 == 1)
			inside = !inside
		if (!inside && line ~ /;[ \t]*$/)
			break
	}
	close(part)
	if (rc < 0)
		fail("cannot read " part)
	if (!copying)
		fail("no statement " nth " starting with \"" prefix "\" in " part)
	if (inside || !(line ~ /;[ \t]*$/))
		fail("the statement starting with \"" prefix "\" in " part " does not end")
}

# a later definition of a function a directive took from its part: that
# directive was not the last definition (see above), so the script is wrong
/^CREATE (OR REPLACE )?FUNCTION @extschema@\./	{
	name = $0
	sub(/^CREATE (OR REPLACE )?FUNCTION @extschema@\./, "", name)
	sub(/\(.*/, "", name)
	if (name in named)
		fail("a definition of " name " after the directive of " named[name] " that took its current one")
}

/^--@ /	{
	if (NF < 4 || NF > 5 || (NF == 5 && $5 !~ /^[1-9][0-9]*$/))
		fail("expected \"--@ function|comment PART NAME [N]\"")
	nth = NF == 5 ? $5 + 0 : 1
	if ($2 == "function")
	{
		if (($4 SUBSEP nth) in named_nth)
			fail("a second directive for " $4 " (the first in " named_nth[$4 SUBSEP nth] "): only the last definition may be named")
		named[$4] = FILENAME
		named_nth[$4 SUBSEP nth] = FILENAME
		emit($3, "CREATE FUNCTION @extschema@." $4 "(", nth,
			 "^CREATE FUNCTION", "CREATE OR REPLACE FUNCTION")
	}
	else if ($2 == "comment")
		emit($3, "COMMENT ON FUNCTION @extschema@." $4 "(", nth, "", "")
	else
		fail("unknown directive \"" $2 "\"")
	next
}

{ print }

END {
	if (failed)
		exit 1
}
