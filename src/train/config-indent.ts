// An indentation slip in a config's YAML (a key one space too far in or out, a tab), said in our words at its
// file:line:column with the indentation to write: the parser's own words ("All mapping items must start at the same
// column", "Nested mappings are not allowed in compact mappings", at the line above) named neither the key nor the fix.

/** The parser's error codes (yaml's YAMLParseError.code) that an indentation slip shows up as. */
export const INDENT_ERROR_CODES: ReadonlySet<string> = new Set(['BAD_INDENT', 'TAB_AS_INDENT', 'BLOCK_AS_IMPLICIT_KEY', 'MULTILINE_IMPLICIT_KEY']);

/** A block of keys (or of list items: `items`): the column its keys start at, and the key it is the value of (null: the top level). */
interface Level { indent: number; parent: string | null; items?: boolean }

/** What one line of the config holds, for the walk over its indentation. */
interface Line { indent: number; content: number; name: string; opens: boolean; value: string; blockScalar: boolean }

/**
 * The first indentation slip of the config `lines` (its text, 1-based line numbers), where it is on line `near` or the
 * next one that holds more than a comment (the parser errs at a slip's line, or at the line above one indented too far): its line, column and what to
 * write; null where the lines show none there (the parser's own words are said then). Lines inside a block scalar (`|`)
 * are skipped; a list or mapping in brackets that spans lines is read as one line; one never closed, or a quote left open, ends the walk.
 */
export function indentSlip(lines: readonly string[], near: number): { line: number; col: number; what: string } | null {
  const levels: Level[] = [{ indent: 0, parent: null }];
  let prev: Line | null = null;
  // a `|` or `>` value: the indent of its key, and of its text (that of its first line), whose lines are skipped
  let scalar: { key: number; text: number | null; of: string } | null = null;
  const noKey = (text: string): boolean => /^\s*(#.*)?$/.test(text) || /^(---|\.\.\.|%)/.test(text);
  let last = near;
  while (last < lines.length - 1 && noKey(lines[last]!)) last++;
  for (let i = 0; i < lines.length && i <= last; i++) {
    const text = lines[i]!;
    if (noKey(text)) continue;
    const lead = /^[ \t]*/.exec(text)![0];
    const indent = /^ */.exec(text)![0].length;
    if (scalar !== null && indent > scalar.key && indent >= (scalar.text ??= indent)) continue;
    // a line of a block scalar's text less indented than its first, or by a tab: the parser's "Block scalar lines must not
    // be less indented than their first line", said with the indentation to write (a `key: value` there is a key's slip)
    if (scalar !== null && scalar.text !== null && (lead.includes('\t') || indent > scalar.key) && !/^[ \t]*[^\s#][^#]*?:([ \t]|$)/.test(text)) {
      if (i + 1 < near) return null;
      return lead.includes('\t')
        ? { line: i + 1, col: lead.indexOf('\t') + 1, what: `a tab indents a line of ${scalar.of}: YAML indents with spaces only: indent it ${spaces(scalar.text)}, as its first line` }
        : { line: i + 1, col: indent + 1, what: `a line of ${scalar.of} is indented ${spaces(indent)}, less than its first line (${scalar.text}): YAML takes the text's indentation from its first line: indent it ${spaces(scalar.text)}` };
    }
    scalar = null;
    // above the parser's error, a line further in than a given value continues it (`desc: a long` over `  [text`)
    if (prev !== null && !prev.opens && i + 1 < near && !lead.includes('\t') && lead.length > prev.content) continue;
    // a list or mapping in brackets over several lines (`target_modules: [q_proj,` over `  v_proj]`) is one line to the walk
    const flow = flowLines(lines, i);
    const line = readLine(flow.text);
    if (line === null) return null;
    const start = i;
    i = flow.end;
    const slip = (what: string, col = line.indent + 1): { line: number; col: number; what: string } | null => (i + 1 >= near ? { line: start + 1, col, what } : null);
    const top = levels[levels.length - 1]!;
    if (lead.includes('\t')) {
      const under = prev?.opens === true ? ` (${prev.content + 2} under ${prev.name}:)` : prev !== null ? ` (${prev.content}, as ${quoted(prev.name)} above)` : '';
      return slip(`a tab indents ${quoted(line.name)}: YAML indents with spaces only: indent it with spaces${under}`, lead.indexOf('\t') + 1);
    }
    if (prev !== null && line.indent > prev.content && !prev.opens) {
      return slip(`${quoted(line.name)} is indented ${spaces(line.indent)}, more than ${quoted(prev.name)} above it (${prev.content}), whose value is given ` +
        `(${prev.value}): line it up with ${prev.name}, at ${spaces(prev.content)}`);
    }
    if (prev !== null && line.indent > top.indent && prev.opens) levels.push({ indent: line.indent, parent: prev.name, items: line.content > line.indent });
    else {
      let popped: Level | null = null;
      while (levels.length > 1 && levels[levels.length - 1]!.indent > line.indent) popped = levels.pop()!;
      const outer = levels[levels.length - 1]!;
      if (popped !== null && outer.indent < line.indent) {
        const outerKeys = outer.parent === null ? 'the top-level keys' : `${outer.parent}'s keys`;
        const outerKey = outer.parent === null ? 'a top-level key' : `a key of ${outer.parent}`;
        // (a key cannot go into a list of items)
        if (popped.items === true && line.content === line.indent) {
          return slip(`${quoted(line.name)} is indented ${spaces(line.indent)}, between ${popped.parent}'s items (${popped.indent}) and ${outerKeys} (${outer.indent}): indent it ${spaces(outer.indent)} for ${outerKey}`);
        }
        return slip(`${quoted(line.name)} is indented ${spaces(line.indent)}, between ${popped.parent}'s keys (${popped.indent}) and ${outerKeys} (${outer.indent}): ` +
          `indent it ${spaces(popped.indent)} to keep it under ${popped.parent}, or ${outer.indent} for ${outer.parent === null ? 'a top-level key' : `a key of ${outer.parent}`}`);
      }
    }
    // `- name: x`: the keys of the list item start after its dash
    if (line.content > line.indent && line.value !== '' && levels[levels.length - 1]!.indent < line.content) levels.push({ indent: line.content, parent: line.name });
    // (`|2`: its text's indentation is given, past its key's)
    const given = /\d/.exec(line.value);
    if (line.blockScalar) scalar = { key: line.indent, text: given ? line.content + Number(given[0]) : null, of: `${line.name}'s text (${line.value})` };
    prev = line;
  }
  return null;
}

/**
 * The text of line `i` (0-based) with the lines after it that close the brackets it leaves open joined to it (comments
 * left out), and the index of the last of them; line `i` alone where it closes all it opens, or no line after it does.
 */
function flowLines(lines: readonly string[], i: number): { end: number; text: string } {
  const parts = [withoutComment(lines[i]!)];
  let open = depth(parts[0]!);
  let end = i;
  // (counted a line at a time: a list of 300,000 lines was counted again whole at each, for minutes)
  while (open !== null && open > 0 && end + 1 < lines.length) {
    const next = withoutComment(lines[++end]!).trim();
    const more = depth(next);
    open = more === null ? null : open + more;
    parts.push(next);
  }
  return end === i || open !== 0 ? { end: i, text: lines[i]! } : { end, text: parts.join(' ') };
}

/** How many more brackets `text` opens than it closes (outside quotes); null where it leaves a quote open. */
function depth(text: string): number | null {
  const bare = masked(text);
  if (/["']/.test(bare.replace(/"x*"|'x*'/g, ''))) return null;
  return (bare.match(/[[{]/g)?.length ?? 0) - (bare.match(/[\]}]/g)?.length ?? 0);
}

/** `text` without a comment after its content (a # after a space, outside quotes). */
function withoutComment(text: string): string {
  const at = /(^|\s)#/.exec(masked(text));
  return at === null ? text : text.slice(0, at.index).trimEnd();
}

/** `text` with the inside of each quoted string made x's (the same length), so that no bracket or # in it counts. */
function masked(text: string): string {
  return text.replace(/"(\\.|[^"\\])*"|'([^']|'')*'/g, (q) => `${q[0]}${'x'.repeat(q.length - 2)}${q[0]}`);
}

/** What a line of YAML holds: its indent, where its key starts (after a list item's dashes), its key or item, its value; null where a bracket or quote it opens is left open. */
function readLine(text: string): Line | null {
  const indent = /^ */.exec(text)![0].length;
  const body = text.replace(/^[ \t]*/, '');
  const dashes = /^(-[ \t]+)*/.exec(body)![0].length;
  const content = indent + dashes;
  const rest = body.slice(dashes);
  // quoted text masked, then a comment left out: what remains must close every bracket it opens (`bare` is as long as
  // the text it keeps of `rest`, so that a key or value is shown as written)
  const bare = masked(rest).replace(/(^|\s)#.*$/, '').trimEnd();
  if (depth(bare) !== 0) return null;
  // (a flow mapping as a list item, `- {path: a}`, is no key)
  const pair = /^([^\s:#{[][^:#]*?)[ \t]*:(?:[ \t]+(.*))?$/.exec(bare);
  // a quoted key ("r": 4) by its text
  const quotedKey = pair && /^(["'])x*\1$/.test(pair[1]!) ? /^"((\\.|[^"\\])*)"|^'(([^']|'')*)'/.exec(rest) : null;
  const name = quotedKey ? quotedKey[1] ?? quotedKey[3]! : pair ? pair[1]! : rest.slice(0, bare.length).trim();
  const value = pair ? rest.slice(bare.length - (pair[2] ?? '').length, bare.length).trim() : '';
  return { indent, content, name, opens: pair !== null && value === '', value, blockScalar: /^[|>][-+0-9]*$/.test(value) };
}

function quoted(name: string): string {
  return JSON.stringify(name.length > 40 ? `${name.slice(0, 40)}…` : name);
}

function spaces(n: number): string {
  return `${n} space${n === 1 ? '' : 's'}`;
}
