# Writes fixtures/jinja-python.json: each case of fixtures/jinja-cases.txt and each template of
# fixtures/chat-templates/ rendered by Python jinja2 set up as
# transformers' _compile_jinja_template does (ImmutableSandboxedEnvironment with trim_blocks, lstrip_blocks,
# the loopcontrols extension and a no-op {% generation %} tag; tojson = json.dumps with ensure_ascii=False and
# indent/separators/sort_keys; raise_exception; strftime_now), with the keyword arguments apply_chat_template
# passes (messages, tools=None, documents=None, add_generation_prompt, the special tokens).
# Run: python3 test/tokenizer/jinja-oracle.py   (needs jinja2 >= 3.1; the fixture records the version used)
# With --batch it writes no fixture: it reads JSON lines {template, messages, add_generation_prompt, tokens} (or
# {templates: {name: text}}, after which a request's template may be such a name) and writes one JSON line each,
# {text} or {error: "Type: message"} (jinja-python.test.ts's differential check of random chats).
import json, os, sys
from datetime import datetime
import jinja2
from jinja2 import nodes
from jinja2.ext import Extension, loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

HERE = os.path.dirname(os.path.abspath(__file__))

class Generation(Extension):
    # transformers' AssistantTracker without the index tracking: {% generation %}...{% endgeneration %} renders its body
    tags = {"generation"}
    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return nodes.CallBlock(self.call_method("_body"), [], [], body).set_lineno(lineno)
    def _body(self, caller):
        return caller()

def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)

def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

def strftime_now(fmt):
    return datetime.now().strftime(fmt)

env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[Generation, loopcontrols])
env.filters["tojson"] = tojson
env.globals["raise_exception"] = raise_exception
env.globals["strftime_now"] = strftime_now

def batch():
    named, compiled = {}, {}
    for line in sys.stdin:
        req = json.loads(line)
        if "templates" in req:
            named.update(req["templates"])
            continue
        res = {}
        try:
            text = named.get(req["template"], req["template"])
            if text not in compiled:
                try:
                    compiled[text] = env.from_string(text)
                except Exception as e:
                    compiled[text] = e
            if isinstance(compiled[text], Exception):
                raise compiled[text]
            res["text"] = compiled[text].render(messages=req["messages"], tools=None, documents=None,
                                                add_generation_prompt=req["add_generation_prompt"], **req["tokens"])
        except Exception as e:
            res["error"] = f"{type(e).__name__}: {e}"
        sys.stdout.write(json.dumps(res, ensure_ascii=False) + "\n")

if "--batch" in sys.argv:
    batch()
    sys.exit(0)

# jinja-cases.txt: "## name" lines, each followed by its template (the lines up to the next "## ", without the
# last newline); each renders MESSAGES with add_generation_prompt=True. chat-templates/*.jinja render CHATS.
MESSAGES = [
    {"role": "system", "content": "Be nice."},
    {"role": "user", "content": "Hello  world"},
    {"role": "assistant", "content": "<think>\nhmm\n</think>\n\n  Hi! 100%"},
    {"role": "user", "content": "x"},
]
TOKENS = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "pad_token": ""}
cases = []
for line in open(os.path.join(HERE, "fixtures", "jinja-cases.txt"), encoding="utf-8").read().split("\n"):
    if line.startswith("## "):
        cases.append({"name": line[3:].strip(), "lines": []})
    elif cases:
        cases[-1]["lines"].append(line)
for case in cases:
    lines = case.pop("lines")
    case["template"] = "\n".join(lines[:-1] if lines and lines[-1] == "" else lines)
    case["messages"], case["add_generation_prompt"] = MESSAGES, True
# chat-templates/*.jinja: typical model templates, each with a few chats (hermes_2_pro_tools.jinja: NousResearch/Hermes-2-Pro-Llama-3-8B's
# tool_use template as huggingface.js packages/jinja/test/e2e.test.js holds it; gemma3.jinja: google/gemma-3's)
CHATS = {
    "sys-user-bot-user": (MESSAGES, True),
    "user-bot": ([{"role": "user", "content": " Hi\nthere "}, {"role": "assistant", "content": "Hello! "}], False),
    "user": ([{"role": "user", "content": "One question?"}], True),
}
# odd chats as apply_chat_template gets them (each with its tools): a template that does not take one may refuse it
TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "Weather for a city, in °C",
          "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "Ville — e.g. \"Orléans\""},
                                                          "days": {"type": "integer", "minimum": 1.0, "default": 2},
                                                          "tags": {"type": "array", "items": {"type": "string"}}},
                         "required": ["city"]}}}]
CALL = {"id": "call_9aZ", "type": "function", "function": {"name": "get_weather", "arguments": {"city": "Orléans", "days": 3, "unit": None, "frac": 0.5}}}
ODD_CHATS = {
    "tools-call-result": ([{"role": "system", "content": "Use tools."}, {"role": "user", "content": "Weather?"},
                           {"role": "assistant", "content": "", "tool_calls": [CALL]},
                           {"role": "tool", "tool_call_id": "call_9aZ", "name": "get_weather", "content": '{"temp": 21.0}'},
                           {"role": "assistant", "content": "21 °C."}, {"role": "user", "content": "Thanks"}], True, TOOLS),
    "tool-args-string-two-results": ([{"role": "user", "content": "Two cities"},
                                      {"role": "assistant", "content": None, "tool_calls": [
                                          {"id": "a1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Rome"}'}},
                                          {"id": "b2", "type": "function", "function": {"name": "get_weather", "arguments": {}}}]},
                                      {"role": "tool", "tool_call_id": "a1", "content": "sunny"},
                                      {"role": "tool", "tool_call_id": "b2", "content": 7}], True, TOOLS),
    "empty-system-empty-tools": ([{"role": "system", "content": ""}, {"role": "user", "content": "Hi"}], True, []),
    "consecutive-users": ([{"role": "user", "content": "First."}, {"role": "user", "content": "Second."},
                           {"role": "assistant", "content": "Both read."}], False, None),
    "content-lists-images-thinking": ([{"role": "system", "content": [{"type": "text", "text": "Look closely."}]},
                                       {"role": "user", "content": [{"type": "text", "text": "What is "}, {"type": "image", "url": "cat.png"},
                                                                    {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
                                                                    {"type": "text", "text": "this?"}]},
                                       {"role": "assistant", "reasoning_content": "  a cat?  ", "content": "<think>\nfur\n</think>\n\nA cat."},
                                       {"role": "user", "content": "Sure?"},
                                       {"role": "assistant", "content": [{"type": "thinking", "thinking": "yes"}, {"type": "text", "text": "Yes."}]}], False, None),
}
folder = os.path.join(HERE, "fixtures", "chat-templates")
for file in sorted(os.listdir(folder)):
    template = open(os.path.join(folder, file), encoding="utf-8").read()
    for chat, (messages, gen) in CHATS.items():
        cases.append({"name": f"{file}:{chat}", "template": template, "messages": messages, "add_generation_prompt": gen})
    for chat, (messages, gen, tools) in ODD_CHATS.items():
        cases.append({"name": f"{file}:{chat}", "template": template, "messages": messages, "add_generation_prompt": gen, "tools": tools})
for case in cases:
    try:
        case["text"] = env.from_string(case["template"]).render(
            messages=case["messages"], tools=case.get("tools"), documents=None, add_generation_prompt=case["add_generation_prompt"], **TOKENS)
    except Exception as e:
        case["error"] = f"{type(e).__name__}: {e}"
out = cases
# strftime_now's directives, on a fixed local time (what datetime.now() would be then)
MOMENT = datetime(2025, 3, 9, 14, 5, 7, 123000)
FORMATS = ["%Y-%m-%d", "%d %b %Y", "%A, %B %d, %Y", "%a %H:%M:%S", "%I:%M %p", "%j %w %u %y", "%c", "%x %X", "%e|%f|%z|%Z|%%|%Q"]
strftime = [{"format": f, "text": MOMENT.strftime(f)} for f in FORMATS]

doc = {
    "provenance": f"python3 test/tokenizer/jinja-oracle.py with jinja2 {jinja2.__version__} (Python {sys.version.split()[0]}): "
                  "the renderings of fixtures/jinja-cases.txt in transformers' chat-template environment",
    "tokens": TOKENS,
    "cases": out,
    "strftime": {"moment": [2025, 3, 9, 14, 5, 7, 123], "results": strftime},
}
with open(os.path.join(HERE, "fixtures", "jinja-python.json"), "w", encoding="utf-8") as f:
    json.dump(doc, f, ensure_ascii=False, indent=1)
    f.write("\n")
print(f"{len(out)} cases, {sum('error' in r for r in out)} errors")
