# The jinja2 side of jinja-diff.ts: reads JSON lines {template, messages, tools, add_generation_prompt, tokens} and
# writes one JSON line each, {text} or {error: "Type: message"}, rendered by transformers' own chat-template
# environment (transformers.utils.chat_template_utils._compile_jinja_template) with the keyword arguments
# apply_chat_template passes (messages, tools, documents=None, add_generation_prompt, the special tokens).
# Run by jinja-diff.ts: HF_HUB_OFFLINE=1 /tmp/hfvenv/bin/python scripts/hf-check/jinja_diff.py
import json, sys
from transformers.utils.chat_template_utils import _compile_jinja_template

for line in sys.stdin:
    req = json.loads(line)
    res = {}
    try:
        res["text"] = _compile_jinja_template(req["template"]).render(
            messages=req["messages"], tools=req.get("tools"), documents=None,
            add_generation_prompt=req["add_generation_prompt"], **req["tokens"])
    except Exception as e:
        res["error"] = f"{type(e).__name__}: {e}"
    sys.stdout.write(json.dumps(res, ensure_ascii=False) + "\n")
