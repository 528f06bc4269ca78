// How many characters one rendering's values may hold (chat-template.ts bounds every value it evaluates: the messages'
// text four times and a MiB), for the code that builds a text as wide or as repeated as the template asks — a
// '%-536000000s' | format, center(10**8), '{:0536000000_d}', ' ' * n, indent(n) over many lines — to refuse it before
// building it: built first, such a text took a GiB and seconds (or the render's whole time) before that bound refused it.
// A list repeated ([1] * n) is bounded so too, an item for a character (checkItems).
// The renders of a thread run one at a time: the room is the current one's (Infinity outside a render).

/** A render's bound crossed; chat-template.ts makes it a UserError naming the template. */
export class TemplateLimit extends Error {}

let room = Infinity;

/** `run` with `chars` as the room of what it builds (the room before it restored after). */
export function withRoom<T>(chars: number, run: () => T): T {
  const before = room;
  room = chars;
  try {
    return run();
  } finally {
    room = before;
  }
}

/** Refuses a text of `chars` characters (or more) before it is built, where it would pass the render's bound. */
export function checkRoom(chars: number): void {
  if (chars > room) throw new TemplateLimit(`the output passed ${room.toLocaleString('en')} characters`);
}

/**
 * Refuses a list of `items` items (a repetition, [1] * n) before it is built, where it holds more items than the
 * render's values may hold characters (printed, `[1, 1, …]`, it passes the bound; Python renders `([''] * n) | join`,
 * refused here too): built, [1] * 100000000 took the render's whole memory or time first (800 MB).
 */
export function checkItems(items: number): void {
  if (items > room) throw new TemplateLimit(`a list of ${items.toLocaleString('en')} items, more than the ${room.toLocaleString('en')} characters the output may hold`);
}

/** `chars`, checked by checkRoom (a width that is itself the length of the text built). */
export function roomFor(chars: number): number {
  checkRoom(chars);
  return chars;
}
