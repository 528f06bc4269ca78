// Python's datetime.strftime as transformers' strftime_now calls it (`strftime_now("%d %b %Y")` in Llama 3 and
// Mistral Small templates): the C locale's English names whatever the machine's locale (@huggingface/jinja's asks
// Intl for the machine's month names and knows only %Y %m %d %b %B %H %M), and the directives of glibc's
// strftime. An unknown directive is kept as written, as glibc keeps it.
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

const pad = (n: number, width = 2, fill = '0') => String(n).padStart(width, fill);

function dayOfYear(d: Date): number {
  return Math.round((Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()) - Date.UTC(d.getFullYear(), 0, 1)) / 86_400_000) + 1;
}

/** `format` with the directives replaced by the parts of `d` (local time), as Python's strftime on Linux. */
export function strftime(d: Date, format: string): string {
  return format.replace(/%([a-zA-Z%])/g, (whole, c: string) => {
    switch (c) {
      case 'a': return DAYS[d.getDay()]!.slice(0, 3);
      case 'A': return DAYS[d.getDay()]!;
      case 'b': case 'h': return MONTHS[d.getMonth()]!.slice(0, 3);
      case 'B': return MONTHS[d.getMonth()]!;
      case 'c': return `${strftime(d, '%a %b')} ${pad(d.getDate(), 2, ' ')} ${strftime(d, '%H:%M:%S %Y')}`;
      case 'd': return pad(d.getDate());
      case 'e': return pad(d.getDate(), 2, ' ');
      case 'f': return pad(d.getMilliseconds() * 1000, 6);
      case 'H': return pad(d.getHours());
      case 'I': return pad(d.getHours() % 12 || 12);
      case 'j': return pad(dayOfYear(d), 3);
      case 'm': return pad(d.getMonth() + 1);
      case 'M': return pad(d.getMinutes());
      case 'p': return d.getHours() < 12 ? 'AM' : 'PM';
      case 'S': return pad(d.getSeconds());
      case 'u': return String(d.getDay() || 7);
      case 'w': return String(d.getDay());
      case 'x': return strftime(d, '%m/%d/%y');
      case 'X': return strftime(d, '%H:%M:%S');
      case 'y': return pad(d.getFullYear() % 100);
      case 'Y': return String(d.getFullYear());
      case 'z': case 'Z': return ''; // datetime.now() is naive: no zone
      case '%': return '%';
      default: return whole;
    }
  });
}
