// Prose paragraphs out of documentation markup, for the pre-training corpus (scripts/build-pretrain-corpus.ts):
// reStructuredText (Python's documentation sources), HTML (SQLite's and PostgreSQL's manuals) and POD (Perl's).
// Code — literal blocks, <pre>, doctests, verbatim paragraphs — is left out: the corpus is English prose. A paragraph is kept when it has
// at least MIN_WORDS words and is mostly letters, which drops headings, navigation and table debris.

const MIN_WORDS = 6;

/** Whether a paragraph reads as prose: enough words, and letters make up most of its characters. */
export function isProse(p: string): boolean {
  const words = p.split(/\s+/).length;
  if (words < MIN_WORDS || (words < 12 && !/[.!?:;)"”]$/.test(p))) return false; // short and unpunctuated: a heading
  const letters = p.match(/[A-Za-z]/g)?.length ?? 0;
  return letters >= 0.6 * p.replace(/\s/g, '').length;
}

/** Directives whose indented body is code, a table or metadata, not prose: the body is skipped with them. */
const NON_PROSE_DIRECTIVES = new Set(['code-block', 'sourcecode', 'code', 'doctest', 'testcode', 'testoutput', 'testsetup',
  'testcleanup', 'productionlist', 'literalinclude', 'toctree', 'index', 'module', 'moduleauthor', 'sectionauthor', 'image',
  'figure', 'raw', 'csv-table', 'list-table', 'table', 'highlight', 'include', 'only', 'opcode', 'cmdoption', 'option',
  'program', 'envvar', 'describe', 'audit-event', 'availability', 'impl-detail', 'math', 'graphviz', 'digraph', 'c:macro',
  'c:type', 'c:var', 'c:member', 'c:function', 'c:struct', 'c:enum', 'c:enumerator', 'c:namespace', 'c:namespace-push',
  'c:namespace-pop', 'seealso', 'rubric', 'tabularcolumns', 'currentmodule', 'testsetup', 'default-role', 'role', 'pdbcommand']);

/** Inline reStructuredText markup reduced to its text: roles, links, literals, emphasis, footnote references. */
export function rstInline(s: string): string {
  return s
    .replace(/:(rfc|pep):`(\d+)`/gi, (_, role: string, n: string) => `${role.toUpperCase()} ${n}`)
    .replace(/:[\w:.-]+:`([^`<]*?)\s*<[^`>]*>`/g, '$1') // :role:`text <target>`
    .replace(/:[\w:.-]+:`[~!]?([^`]*)`/g, '$1') // :role:`target`
    .replace(/`([^`<]+?)\s*<[^`>]+>`__?/g, '$1') // `text <url>`_
    .replace(/`([^`]+)`__?/g, '$1') // `text`_
    .replace(/``([^`]+)``/g, '$1')
    .replace(/\*\*([^*]+)\*\*/g, '$1')
    .replace(/\*([^*\s][^*]*)\*/g, '$1')
    .replace(/\s*\[(#[\w-]*|\d+|\*)\]_/g, '')
    .replace(/\\(.)/g, '$1');
}

/** The prose paragraphs of a reStructuredText document, in order, inline markup removed. */
export function rstParagraphs(text: string): string[] {
  const out: string[] = [];
  let para: string[] = [];
  let skipDeeperThan = -1; // while ≥ 0: lines indented deeper than this belong to a skipped block
  let continued = false; // the previous line was a directive line continued by a trailing backslash
  const flush = (): void => {
    const p = rstInline(para.join(' ')).replace(/\s+/g, ' ').trim();
    if (p !== '' && !p.startsWith('>>>') && isProse(p)) out.push(p);
    para = [];
  };
  for (const line of text.split('\n')) {
    const indent = line.length - line.trimStart().length;
    const body = line.trim();
    if (continued) { continued = body.endsWith('\\'); continue; }
    if (skipDeeperThan >= 0) {
      if (body === '' || indent > skipDeeperThan) continue;
      skipDeeperThan = -1;
    }
    if (body === '') { flush(); continue; }
    if (/^([=\-~^"'`#*+<>_:.])\1{3,}$/.test(body) || /^[=\s]+$/.test(body) || /^[+|]/.test(body)) { flush(); continue; } // underlines, tables
    const directive = /^\.\.\s+([\w:-]+)::/.exec(body);
    if (directive !== null) {
      flush();
      continued = body.endsWith('\\');
      if (NON_PROSE_DIRECTIVES.has(directive[1]!)) skipDeeperThan = indent;
      continue;
    }
    if (body.startsWith('..')) { flush(); skipDeeperThan = indent; continue; } // comments, targets, substitutions
    if (/^:[A-Za-z][\w -]*:(\s|$)/.test(body)) { flush(); continue; } // a field list or directive option
    if (body.startsWith('>>>')) { flush(); skipDeeperThan = indent - 1; continue; } // a doctest, up to the next blank line
    para.push(body.replace(/^[-*]\s+|^\d+\.\s+/, ''));
    if (body.endsWith('::')) {
      para[para.length - 1] = body.replace(/\s*::$/, body.endsWith(' ::') ? '' : ':');
      flush();
      skipDeeperThan = indent; // a literal (code) block follows
    }
  }
  flush();
  return out;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', mdash: '—', ndash: '–',
  hellip: '…', rsquo: '’', lsquo: '‘', rdquo: '”', ldquo: '“', copy: '©', reg: '®', times: '×', rarr: '→', larr: '←' };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (m, e: string) => {
    if (e[0] === '#') {
      const cp = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return cp > 0 && cp < 0x110000 ? String.fromCodePoint(cp) : '';
    }
    return ENTITIES[e.toLowerCase()] ?? m;
  });
}

/** The prose paragraphs of an HTML page: head, scripts, styles, pictures and <pre> code removed, split at block tags. */
export function htmlParagraphs(html: string): string[] {
  const text = html
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<(head|script|style|svg|pre|table|map)\b[\s\S]*?<\/\1\s*>/gi, '\n\n')
    .replace(/<\/?(p|div|h[1-6]|li|ul|ol|dl|dt|dd|tr|br|hr|blockquote|title|section|body|html|td|th)\b[^>]*>/gi, '\n\n')
    .replace(/<[^>]*>/g, '');
  return decodeEntities(text).split(/\n\s*\n/).map((p) => p.replace(/\s+/g, ' ').trim()).filter(isProse);
}

/** Inline POD formatting codes reduced to their text: B<…>, I<…>, C<<< … >>>, L<text|target>, E<gt>, S<…>, X<…>. */
function podInline(s: string): string {
  let prev = '';
  let out = s.replace(/[A-Z]<{2,}\s+([\s\S]*?)\s+>{2,}/g, '$1'); // C<< a->b >> and longer brackets
  while (out !== prev) { // innermost codes first, until none is left
    prev = out;
    out = out.replace(/E<(\w+)>/g, (_, e: string) => ({ gt: '>', lt: '<', verbar: '|', sol: '/' })[e] ?? (/^\d+$/.test(e) ? String.fromCodePoint(+e) : ''))
      .replace(/X<[^<>]*>|Z<>/g, '')
      .replace(/L<([^<>|]*)\|[^<>]*>/g, '$1')
      .replace(/L<"?([^<>"]*)"?>/g, (_, t: string) => t.replace(/^\/"?|"$/g, '').replace(/\/"?/, ' '))
      .replace(/[BICFS]<([^<>]*)>/g, '$1');
  }
  return out;
}

/** The prose paragraphs of a POD document (Perl's manuals): verbatim (indented) code and =commands left out. */
export function podParagraphs(text: string): string[] {
  let inPod = true;
  let skipping = false; // inside =begin … =end or =for (a format-specific block)
  const out: string[] = [];
  for (const para of text.split(/\n[ \t]*\n/)) {
    if (para.startsWith('=cut')) { inPod = false; continue; }
    if (/^=\w/.test(para)) {
      inPod = true;
      if (para.startsWith('=begin')) skipping = true;
      if (para.startsWith('=end')) skipping = false;
      continue;
    }
    if (!inPod || skipping || /^[ \t]/.test(para)) continue;
    const p = podInline(para).replace(/\s+/g, ' ').trim();
    if (isProse(p)) out.push(p);
  }
  return out;
}

