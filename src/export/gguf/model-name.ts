// The naming keys of a GGUF file (general.name, basename, size_label, finetune, version, organization) as llama.cpp's
// convert_hf_to_gguf.py derives them, so a llama.cpp user sees the same names in our files as in theirs. Our own
// TypeScript equivalent of llama.cpp's gguf-py (github.com/ggml-org/llama.cpp, MIT): gguf/metadata.py's
// Metadata.get_model_id_components (the heuristics that split "Mistral-7B-Instruct-v0.3" into basename Mistral,
// size_label 7B, finetune Instruct, version v0.3) and Metadata.id_to_title (general.name "Mistral 7B Instruct v0.3"),
// and gguf/utility.py's size_label / model_weight_count_rounded_notation (the size label from the parameter count
// when the name has none: "7.2B"), as read at llama.cpp commits 18f4bb5 (metadata.py) and 1bb0a36 (utility.py).
// Python's rounding (half to even) is kept where JavaScript's differs.

/** What a model id ("ORG/NAME" or a folder's name) says about the model; null: it does not say. */
export interface ModelIdParts {
  name: string | null;
  organization: string | null;
  basename: string | null;
  finetune: string | null;
  version: string | null;
  sizeLabel: string | null;
}

type Kind = 'basename' | 'size_label' | 'finetune' | 'version' | 'type';

const isDecimal = (c: string): boolean => /^\p{Nd}$/u.test(c);

/** A size label's parameter count ("7B" → 7e9); NaN where Python's float() would raise (get_size_label_params). */
function sizeLabelParams(label: string): number {
  const head = label.slice(0, -1);
  const n = /^\s*[+-]?(\d+\.?\d*|\.\d+)\s*$/.test(head) ? Number(head) : NaN;
  return n * 1000 ** ' KMBT'.indexOf(label[label.length - 1]!);
}

/** normalize_size_label: "7b" → "7B", bloom's "7b1" → "7.1B", "1_5B" → "1.5B". */
function normalizeSizeLabel(text: string): string {
  let label = text.replaceAll('_', '.');
  if (isDecimal(label[label.length - 1]!)) label = `${label.slice(0, -2)}.${label[label.length - 1]}${label[label.length - 2]}`;
  if (label.length > 1 && isDecimal(label[label.length - 2]!) && 'kmbt'.includes(label[label.length - 1]!)) label = label.slice(0, -1) + label[label.length - 1]!.toUpperCase();
  return label;
}

/** get_model_id_components: `totalParams` is the file's parameter count (negative for an adapter, 0: unknown). */
export function modelIdParts(id: string, totalParams: number): ModelIdParts {
  const none = { organization: null, basename: null, finetune: null, version: null, sizeLabel: null };
  if (id.includes(' ')) return { name: idToTitle(id), ...none }; // a sentence, not a hub id
  const slash = id.indexOf('/');
  let org = slash >= 0 ? id.slice(0, slash) : null;
  const full = slash >= 0 ? id.slice(slash + 1) : id;
  if (org !== null && org.startsWith('.')) org = null; // './' or '../', not an organisation
  const parts = full.split('-').filter((p) => p.length > 0);
  const kinds = parts.map(() => new Set<Kind>());
  const total = Math.abs(totalParams);
  parts.forEach((part, i) => {
    const t = kinds[i]!;
    if (/^(v|iter)?\d+(\.\d+)*$/i.test(part)) t.add('version');
    else if (/^(i?q\d(_\w)*|b?fp?(16|32))$/i.test(part)) {
      t.add('type');
      parts[i] = part.toUpperCase();
    } else if (i > 0 && /^(([A]|\d+[x])?\d+([._]\d+)?[KMBT][\d]?|small|mini|medium|large|x?xl)$/i.test(part)) {
      let label = normalizeSizeLabel(part);
      const params = sizeLabelParams(label);
      if (totalParams !== 0 && !Number.isNaN(params)) {
        // MoE models may name total and active parameters (26B-A4B): a matching active count keeps the total label
        const next = i + 1 < parts.length ? normalizeSizeLabel(parts[i + 1]!) : null;
        const nextParams = next !== null && /^A\d+([._]\d+)?[KMBT][\d]?$/i.test(next) ? sizeLabelParams(next.slice(1)) : null;
        const active = nextParams !== null && Math.abs(nextParams - total) <= Math.floor((7 * total) / 8);
        // a label far from the file's size (an adapter's may be bigger: not every layer is adapted) is a context length
        // (an active count that does not parse stops the check, as Python's ValueError does)
        if (!Number.isNaN(nextParams) && !active && ((totalParams < 0 && params < Math.floor(total / 8)) || (totalParams > 0 && Math.abs(params - totalParams) > Math.floor((7 * totalParams) / 8)))) {
          t.add('finetune');
          label = label.slice(0, -1) + label[label.length - 1]!.toLowerCase();
        }
      }
      if (t.size === 0) t.add('size_label');
      parts[i] = label;
    } else if (i > 0 && /^(chat|instruct|vision|lora)$/i.test(part)) {
      t.add(totalParams < 0 && part.toLowerCase() === 'lora' ? 'type' : 'finetune'); // "lora" says nothing of an adapter
    }
  });
  // word sizes (small, xl) give way to a numbered one
  if (parts.some((p, i) => kinds[i]!.has('size_label') && [...p].some(isDecimal))) {
    parts.forEach((p, i) => {
      if (kinds[i]!.has('size_label') && /^\p{L}+$/u.test(p)) kinds[i]!.delete('size_label');
    });
  }
  // the basename: the leading unmarked words and versions; unmarked words after it are the finetune
  let atStart = true;
  parts.forEach((p, i) => {
    const t = kinds[i]!;
    if (atStart && ((t.size === 0 && /^\p{L}/u.test(p)) || t.has('version'))) t.add('basename');
    else {
      atStart = false;
      if (t.size === 0) t.add('finetune');
    }
  });
  for (let i = parts.length - 1; i >= 0 && kinds[i]!.has('basename') && kinds[i]!.size > 1; i--) kinds[i]!.delete('basename'); // a trailing version
  const join = (keep: (t: Set<Kind>) => boolean, unique = false): string | null => {
    const picked = parts.filter((_, i) => keep(kinds[i]!));
    return (unique ? [...new Set(picked)] : picked).join('-') || null;
  };
  const sizeLabel = join((t) => t.has('size_label'), true);
  const finetune = join((t) => t.has('finetune'));
  const version = join((t) => t.has('version') && !t.has('basename'));
  // nothing but a basename is too ambiguous to call one
  const basename = sizeLabel === null && finetune === null && version === null ? null : join((t) => t.has('basename'));
  return { name: idToTitle(full), organization: org === null ? null : idToTitle(org), basename, finetune, version, sizeLabel };
}

/** Python's str.islower(): a cased character, and none upper case. */
const isLower = (w: string): boolean => w !== w.toUpperCase() && w === w.toLowerCase();

/** Python's str.title(): each letter after a non-letter upper case, the rest lower ("run1abc" → "Run1Abc"). */
function pyTitle(w: string): string {
  let out = '', prevCased = false;
  for (const c of w) {
    const cased = c.toLowerCase() !== c.toUpperCase();
    out += cased ? (prevCased ? c.toLowerCase() : c.toUpperCase()) : c;
    prevCased = cased;
  }
  return out;
}

/** id_to_title: "mistral-7b-instruct-v0.3" → "Mistral 7b Instruct v0.3" (acronyms, versions and numbers kept). */
export function idToTitle(id: string): string {
  return id.trim().replaceAll('-', ' ').split(/\s+/).filter((w) => w !== '')
    .map((w) => (isLower(w) && !/^(v\d+(?:\.\d+)*|\d.*)$/.test(w) ? pyTitle(w) : w)).join(' ');
}

/** Python's round() of a non-negative number: half to even. */
function pyRound(x: number): number {
  const r = Math.round(x);
  return x % 1 === 0.5 && r % 2 === 1 ? r - 1 : r;
}

/** Python's f"{x:.{digits}f}" of a non-negative number: JavaScript's toFixed rounds an exact tie up, Python to even. */
function pyFixed(x: number, digits: number): string {
  const exact = x.toFixed(100); // every digit of a double ≥ 2^-40 or so, so a tie is seen exactly
  const dot = exact.indexOf('.');
  const rest = exact.slice(dot + 1 + digits);
  if (!/^50*$/.test(rest)) return x.toFixed(digits);
  const kept = exact.slice(0, dot + 1 + digits).replace(/\.$/, '');
  const last = kept[kept.length - 1]!;
  return Number(last) % 2 === 0 ? kept : x.toFixed(digits); // even: truncated; odd: toFixed's round up is Python's too
}

/** size_label of a dense model of `totalParams` parameters: two significant digits at least ("7.2B", "248K", "12B"). */
export function sizeLabel(totalParams: number): string {
  const n = Math.abs(totalParams);
  const [scaled, suffix] = n >= 1e12 ? [n * 1e-12, 'T'] : n >= 1e9 ? [n * 1e-9, 'B'] : n >= 1e6 ? [n * 1e-6, 'M'] : [n * 1e-3, 'K'];
  const digits = Math.max(2 - String(pyRound(scaled)).replace(/^0+/, '').length, 0);
  return `${pyFixed(scaled, digits)}${suffix}`;
}
