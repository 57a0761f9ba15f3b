#!/usr/bin/python3
"""insight_report_html in a real browser (Debian's chromium, headless).

    report_browser.py REPORT.en.html REPORT.zh.html [--screenshots DIR]

Each report is opened from its file in headless Chromium, driven through the
DevTools protocol over a pipe (--remote-debugging-pipe: standard library
only), at a window 1280 and 390 px wide (Emulation.setDeviceMetricsOverride).
Once it has loaded, the test evaluates report_check.js in the page (the
report itself has no script) and checks, one ok / FAIL line each:
  - no console errors, no exceptions, no error in the browser's log, no
    request that is not the file itself;
  - every section and every chart is there, each chart drawn with a size and
    marks of a size;
  - the number of marks equals the data: one bar group per row of the chart's
    table (11 RFM segments, 10 deciles, ...), one ROC curve per model (the
    model and recency alone), one heatmap cell per number of the table;
  - every text inside its box: SVG texts inside their chart, HTML texts not
    wider than their boxes, nothing wider than the window;
  - the document's language and title in the report's language.
Saves a screenshot of each report at each width (in --screenshots, default a
temporary directory).
"""
import base64
import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
WIDTHS = (1280, 390)
SECTIONS = ['data', 'churn', 'clv', 'value', 'segments', 'recommender', 'other']
CHARTS = ['data-revenue', 'data-active', 'data-cohorts', 'churn-roc', 'churn-gain', 'churn-calibration',
          'churn-distribution', 'clv-frequency-recency', 'clv-p-alive', 'clv-holdout', 'clv-come-back',
          'clv-gain', 'clv-deciles', 'clv-concentration', 'segments-rfm', 'segments-clusters', 'segments-k',
          'recommender-metrics', 'recommender-items', 'value-gain', 'value-deciles']
failures = []


def check(ok, what):
    print(('ok   ' if ok else 'FAIL ') + what)
    if not ok:
        failures.append(what)


class Browser:
    """Headless Chromium with the DevTools protocol on fds 3 (to it) and 4 (from it)."""

    def __init__(self, home):
        to_r, to_w = os.pipe()
        from_r, from_w = os.pipe()
        # the child's ends out of the way of fds 3 and 4, where chromium wants them
        child_r, child_w = fcntl.fcntl(to_r, fcntl.F_DUPFD, 100), fcntl.fcntl(from_w, fcntl.F_DUPFD, 100)

        def fds():
            os.dup2(child_r, 3)
            os.dup2(child_w, 4)
        self.proc = subprocess.Popen(
            ['chromium', '--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars',
             '--user-data-dir=' + os.path.join(home, 'profile'), '--remote-debugging-pipe',
             # no network: every host name fails to resolve
             '--host-resolver-rules=MAP * ~NOTFOUND', 'about:blank'],
            env=dict(os.environ, HOME=home), preexec_fn=fds, pass_fds=(3, 4),
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(home, 'chromium.log'), 'w'))
        for fd in (to_r, from_w, child_r, child_w):
            os.close(fd)
        self.w = os.fdopen(to_w, 'wb')
        self.r = os.fdopen(from_r, 'rb')
        self.buf = b''
        self.n = 0
        self.events = []
        self.session = None

    def _read(self):
        while b'\0' not in self.buf:
            chunk = os.read(self.r.fileno(), 1 << 20)
            if not chunk:
                raise RuntimeError('chromium closed the DevTools pipe')
            self.buf += chunk
        msg, self.buf = self.buf.split(b'\0', 1)
        return json.loads(msg)

    def send(self, method, params=None, session=True):
        self.n += 1
        msg = {'id': self.n, 'method': method, 'params': params or {}}
        if session and self.session:
            msg['sessionId'] = self.session
        self.w.write(json.dumps(msg).encode() + b'\0')
        self.w.flush()
        while True:
            m = self._read()
            if m.get('id') == self.n:
                if 'error' in m:
                    raise RuntimeError(f'{method}: {m["error"]}')
                return m.get('result', {})
            self.events.append(m)

    def wait_for(self, method, seconds=60):
        end = time.time() + seconds
        while time.time() < end:
            for i, e in enumerate(self.events):
                if e.get('method') == method:
                    del self.events[i]
                    return e
            self.events.append(self._read())
        raise RuntimeError(f'no {method} within {seconds} s')

    def open(self):
        target = self.send('Target.createTarget', {'url': 'about:blank'}, session=False)['targetId']
        self.session = self.send('Target.attachToTarget', {'targetId': target, 'flatten': True}, session=False)['sessionId']
        for domain in ('Page', 'Runtime', 'Log', 'Network'):
            self.send(domain + '.enable')

    def close(self):
        try:
            self.send('Browser.close', session=False)
        except (RuntimeError, OSError):
            pass
        self.proc.wait(timeout=30)


def errors_of(events):
    """Console errors, exceptions, errors in the log, requests other than file:// ones."""
    found = []
    for e in events:
        m, p = e.get('method'), e.get('params', {})
        if m == 'Runtime.consoleAPICalled' and p.get('type') in ('error', 'assert'):
            found.append('console: ' + ' '.join(str(a.get('value', a.get('description'))) for a in p.get('args', [])))
        elif m == 'Runtime.exceptionThrown':
            found.append('exception: ' + p.get('exceptionDetails', {}).get('text', ''))
        elif m == 'Log.entryAdded' and p.get('entry', {}).get('level') == 'error':
            found.append('log: ' + p['entry'].get('text', ''))
        elif m == 'Network.requestWillBeSent' and not p.get('request', {}).get('url', '').startswith(('file:', 'data:', 'about:')):
            found.append('request: ' + p['request']['url'])
    return found


def numeric(cell):
    return bool(re.search(r'\d', cell)) and not re.search(r'fewer than|少于', cell)


def check_marks(lang, width, charts):
    """The number of marks equals the data of each chart's table."""
    def c(i):
        return charts.get(i, {})
    rows = {i: c(i).get('rows', []) for i in CHARTS}
    # bar charts: one group per table row; a bar per series and row, but none for a suppressed value
    for i in ['data-revenue', 'churn-calibration', 'churn-distribution', 'clv-come-back', 'clv-deciles', 'clv-concentration',
              'segments-rfm', 'segments-clusters', 'recommender-metrics', 'recommender-items', 'value-deciles']:
        check(c(i).get('categories') == len(rows[i]) and len(rows[i]) > 0,
              f'{lang} {width}px {i}: {c(i).get("categories")} bar groups for {len(rows[i])} rows of data')
    check(c('segments-rfm').get('categories') == 11 and c('segments-rfm').get('marks') == 22,
          f'{lang} {width}px segments-rfm: 11 RFM segments give 11 bar groups of 2 bars '
          f'({c("segments-rfm").get("categories")}, {c("segments-rfm").get("marks")})')
    for i in ['churn-calibration', 'clv-deciles', 'clv-concentration', 'value-deciles']:
        check(c(i).get('categories') == 10, f'{lang} {width}px {i}: 10 deciles ({c(i).get("categories")})')
    check(c('clv-come-back').get('categories') == 4,
          f'{lang} {width}px clv-come-back: 4 bands of the time since the last purchase ({c("clv-come-back").get("categories")})')
    for i, per_row in [('churn-calibration', 2), ('clv-come-back', 2), ('clv-deciles', 2), ('clv-concentration', 1), ('value-deciles', 2),
                       ('segments-clusters', 1), ('recommender-items', 1)]:
        check(c(i).get('marks') == per_row * len(rows[i]),
              f'{lang} {width}px {i}: {c(i).get("marks")} bars = {per_row} x {len(rows[i])} rows')
    i = 'recommender-metrics'
    algorithms = len(rows[i][0]) - 1 if rows[i] else 0
    check(c(i).get('marks') == algorithms * len(rows[i]) and c(i).get('series') == algorithms,
          f'{lang} {width}px {i}: {c(i).get("marks")} bars = {algorithms} algorithms x {len(rows[i])} metrics')
    for i in ['data-revenue', 'churn-distribution']:
        shown = sum(1 for r in rows[i] if numeric(r[1]))
        check(c(i).get('marks') == shown, f'{lang} {width}px {i}: {c(i).get("marks")} bars for {shown} values shown')
    # line charts: one curve per series of the table; one dot per point
    curves = len({r[0] for r in rows['churn-roc']})
    check(c('churn-roc').get('paths') == curves == 2,
          f'{lang} {width}px churn-roc: one ROC curve per model and one for recency alone ({c("churn-roc").get("paths")} for {curves})')
    check(c('churn-gain').get('paths') == 1 and c('churn-gain').get('dots') == len(rows['churn-gain']) + 1 == 11,
          f'{lang} {width}px churn-gain: one curve of 10 deciles and the origin ({c("churn-gain").get("dots")} points)')
    check(c('clv-gain').get('paths') == len(rows['clv-gain'][0]) - 1 if rows['clv-gain'] else False,
          f'{lang} {width}px clv-gain: one curve per column of the table ({c("clv-gain").get("paths")})')
    check(c('value-gain').get('paths') == len(rows['value-gain'][0]) - 1 == 4 if rows['value-gain'] else False,
          f'{lang} {width}px value-gain: one curve per column of the table: the model, BG/NBD x Gamma-Gamma, the past rate, the perfect order ({c("value-gain").get("paths")})')
    check(c('clv-holdout').get('paths') == 2 and c('clv-holdout').get('dots') == 2 * len(rows['clv-holdout']),
          f'{lang} {width}px clv-holdout: predicted and actual, one dot per frequency ({c("clv-holdout").get("dots")} for {len(rows["clv-holdout"])})')
    check(c('data-active').get('dots') == sum(1 for r in rows['data-active'] if numeric(r[1])),
          f'{lang} {width}px data-active: one point per month shown ({c("data-active").get("dots")})')
    check(c('segments-k').get('dots') == len(rows['segments-k']),
          f'{lang} {width}px segments-k: one point per k tried ({c("segments-k").get("dots")})')
    # heatmaps: one cell per number of the table
    cells = sum(1 for r in rows['data-cohorts'] for v in r[2:] if re.search(r'\d', v))
    check(c('data-cohorts').get('marks') == cells, f'{lang} {width}px data-cohorts: {c("data-cohorts").get("marks")} cells for {cells} shares')
    for i in ['clv-frequency-recency', 'clv-p-alive']:
        cells = sum(len(r) - 1 for r in rows[i])
        check(c(i).get('marks') == cells > 0, f'{lang} {width}px {i}: {c(i).get("marks")} cells for {cells} values')


def main():
    args = sys.argv[1:]
    shots = None
    if '--screenshots' in args:
        k = args.index('--screenshots')
        shots = args[k + 1]
        del args[k:k + 2]
    if len(args) != 2:
        sys.exit(__doc__)
    if not shutil.which('chromium'):
        sys.exit('chromium is not installed (Debian package chromium, in TEST_PACKAGES)')
    script = open(os.path.join(HERE, 'report_check.js')).read()
    home = tempfile.mkdtemp(prefix='insight-browser-')
    shots = shots or home
    os.makedirs(shots, exist_ok=True)
    browser = Browser(home)
    try:
        browser.open()
        for path, lang in zip(args, ['en', 'zh']):
            check('<script' not in open(path, encoding='utf-8').read(), f'{lang}: the report has no script')
            for width in WIDTHS:
                browser.send('Emulation.setDeviceMetricsOverride',
                             {'width': width, 'height': 900, 'deviceScaleFactor': 1, 'mobile': width < 500})
                browser.events = []
                browser.send('Page.navigate', {'url': 'file://' + os.path.abspath(path)})
                browser.wait_for('Page.loadEventFired')
                r = browser.send('Runtime.evaluate', {'expression': script, 'returnByValue': True})
                res = r.get('result', {}).get('value')
                check(res is not None, f'{lang} {width}px: the page loaded and the check ran {r.get("exceptionDetails", "")}')
                if res is None:
                    continue
                browser.send('Runtime.evaluate', {'expression': '0'})   # the page's events before it arrive first
                errors = errors_of(browser.events)
                check(not errors, f'{lang} {width}px: no console errors, exceptions or requests {errors[:5]}')
                check(res['width'] == width, f'{lang} {width}px: laid out at {res["width"]} px')
                check(res['sections'] == SECTIONS, f'{lang} {width}px: sections {res["sections"]}')
                missing = [i for i in CHARTS if i not in res['charts']]
                check(not missing, f'{lang} {width}px: every chart present (missing {missing})')
                empty = [i for i, c in res['charts'].items()
                         if not c['svg_box'] or c['svg_box'][0] < 100 or c['svg_box'][1] < 20 or c['marks'] == 0 or c['empty_marks']]
                check(not empty, f'{lang} {width}px: every chart drawn, with marks of a size (empty: {empty})')
                check_marks(lang, width, res['charts'])
                check(not res['overflow'], f'{lang} {width}px: every text inside its box {res["overflow"][:5]}')
                check(res['lang'] == ('zh-Hans' if lang == 'zh' else 'en'), f'{lang} {width}px: <html lang="{res["lang"]}">')
                check(('客户' in res['title']) == (lang == 'zh'), f'{lang} {width}px: title "{res["title"]}"')
                # the screenshot: the page as it loaded (the check opened the tables)
                browser.send('Page.reload')
                browser.wait_for('Page.loadEventFired')
                shot = os.path.join(shots, f'report.{lang}.{width}.png')
                png = browser.send('Page.captureScreenshot', {'format': 'png', 'captureBeyondViewport': True,
                                                              'clip': {'x': 0, 'y': 0, 'width': width, 'height': 2400, 'scale': 1}})
                with open(shot, 'wb') as f:
                    f.write(base64.b64decode(png['data']))
                check(os.path.getsize(shot) > 20000, f'{lang} {width}px: screenshot {shot}')
    finally:
        browser.close()
        if shots != home:
            shutil.rmtree(home, ignore_errors=True)
    if failures:
        print(f'{len(failures)} browser checks failed', file=sys.stderr)
        sys.exit(1)


if __name__ == '__main__':
    main()
