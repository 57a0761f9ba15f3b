// Checks of insight_report_html's page, evaluated inside headless Chromium by
// test/browser/report_browser.py through the DevTools protocol once the page
// has loaded (the report itself has no script).  Its value, an object of
// findings, goes back to the test.
(function () {
  'use strict';
  const out = { charts: {}, overflow: [], width: window.innerWidth };
  // open every table of numbers, so that they are laid out and checked too
  document.querySelectorAll('details').forEach(d => { d.open = true; });

  const near = 1.5;   // px of rounding allowed
  const inside = (r, box) => r.left >= box.left - near && r.right <= box.right + near &&
                             r.top >= box.top - near && r.bottom <= box.bottom + near;
  const describe = el => (el.id ? '#' + el.id : el.tagName.toLowerCase() + '.' + (el.getAttribute('class') || '')) +
                         ' "' + (el.textContent || '').trim().slice(0, 40) + '"';

  // every chart: its kind, its marks and their sizes, the rows of its table
  document.querySelectorAll('figure.chart-box').forEach(fig => {
    const svg = fig.querySelector('svg.chart');
    const rows = Array.from(fig.querySelectorAll('tbody tr')).map(tr => Array.from(tr.cells).map(td => td.textContent));
    const c = {
      kind: svg ? svg.getAttribute('class').replace('chart ', '') : null,
      svg_box: svg ? [svg.getBoundingClientRect().width, svg.getBoundingClientRect().height] : null,
      marks: svg ? svg.querySelectorAll('.mark').length : 0,
      empty_marks: 0,
      categories: svg ? svg.querySelectorAll('g.category').length : 0,
      paths: svg ? svg.querySelectorAll('path.mark').length : 0,
      dots: svg ? svg.querySelectorAll('circle.dot').length : 0,
      series: svg ? new Set(Array.from(svg.querySelectorAll('.mark[data-series]')).map(m => m.getAttribute('data-series'))).size : 0,
      rows: rows,
      reading: (fig.querySelector('.reading') || {}).textContent || '',
    };
    if (svg) {
      svg.querySelectorAll('.mark').forEach(m => {
        const b = m.getBBox();
        // a bar of value 0 is 0.5 px wide: a mark must have an area or a length
        if (!(b.width > 0 || b.height > 0)) c.empty_marks++;
      });
      // every text of the chart inside the chart
      const box = svg.getBoundingClientRect();
      svg.querySelectorAll('text').forEach(t => {
        const r = t.getBoundingClientRect();
        if (t.textContent.trim() && !inside(r, box)) out.overflow.push('svg text outside its chart: ' + describe(t) + ' in #' + fig.id);
      });
    }
    out.charts[fig.id] = c;
  });

  // HTML text fits its box: no element wider than its box, nothing wider than
  // the page (tables scroll sideways in their .numbers box on narrow screens)
  const page = document.documentElement;
  if (page.scrollWidth > window.innerWidth + near) out.overflow.push('page wider than the window: ' + page.scrollWidth + ' > ' + window.innerWidth);
  document.querySelectorAll('h1, h2, h3, p, li, a, summary, th, td, figcaption').forEach(el => {
    if (el.scrollWidth > el.clientWidth + near && getComputedStyle(el).display !== 'inline')
      out.overflow.push('text wider than its box: ' + describe(el) + ' (' + el.scrollWidth + ' > ' + el.clientWidth + ')');
    const r = el.getBoundingClientRect();
    if (!el.closest('.numbers') && r.right > window.innerWidth + near)
      out.overflow.push('text beyond the window: ' + describe(el));
  });
  document.querySelectorAll('.numbers').forEach(n => {
    const r = n.getBoundingClientRect();
    if (r.right > window.innerWidth + near) out.overflow.push('table box beyond the window: ' + describe(n));
  });

  out.sections = Array.from(document.querySelectorAll('section')).map(s => s.id);
  out.title = document.title;
  out.lang = document.documentElement.lang;
  return out;
})()
