# Regenerates jinja2-extra-renderings.json: the 17 shared chat templates rendered by real Jinja2 (3.1.6) with
# transformers' settings (ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks, loopcontrols, json.dumps tojson)
# on conversations beyond shared/chat-templates/expected.json: several tools with richer schemas, string tool-call
# arguments, content None, 9-character call ids, non-ASCII text. "error" = raise_exception, "other" = any other failure.
# Run: python3 make-extra-renderings.py  (needs jinja2; reads ../../../../../shared/chat-templates)
import json, glob, os, datetime
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2 import ext
def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)
class TemplateError(Exception): pass
def raise_exception(m): raise TemplateError(m)
def strftime_now(f): return datetime.datetime(2026,1,15,12,0,0).strftime(f)
env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[ext.loopcontrols])
env.filters['tojson']=tojson
env.globals['raise_exception']=raise_exception
env.globals['strftime_now']=strftime_now
tool = {"type":"function","function":{"name":"get_weather","description":"Get the weather for a city","parameters":{"type":"object","properties":{"city":{"type":"string","description":"City name"},"unit":{"type":"string","enum":["c","f"],"default":"c"},"days":{"type":"integer","maximum":7}},"required":["city"]}}}
tool2 = {"type":"function","function":{"name":"search","description":"Search the web","parameters":{"type":"object","properties":{"q":{"type":"array","items":{"type":"string"}}, "opts": {"type":"object","properties":{"safe":{"type":"boolean"}}}},"required":["q"]}}}
cases = {
 "sys-tools": {"messages":[{"role":"system","content":"You are terse. Ünïcödé ✓"},{"role":"user","content":"Weather in Paris and 'Nice'?"}],"tools":[tool, tool2],"add_generation_prompt":True},
 "str-args-roundtrip": {"messages":[{"role":"user","content":"Weather?"},{"role":"assistant","content":None,"tool_calls":[{"id":"abcDEF123","type":"function","function":{"name":"get_weather","arguments":"{\"city\": \"Paris\"}"}}]},{"role":"tool","tool_call_id":"abcDEF123","name":"get_weather","content":"sunny"},{"role":"assistant","content":"It is sunny."},{"role":"user","content":"Thanks"}],"tools":[tool],"add_generation_prompt":True},
 "dict-args-id9": {"messages":[{"role":"system","content":"sys"},{"role":"user","content":"Weather?"},{"role":"assistant","content":"","tool_calls":[{"id":"abcDEF123","type":"function","function":{"name":"get_weather","arguments":{"city":"Paris","days":3}}}]},{"role":"tool","tool_call_id":"abcDEF123","name":"get_weather","content":"{\"temp\": 21.5}"}],"tools":[tool],"add_generation_prompt":False},
 "long": {"messages":[{"role":"user","content":"  a\n\nb  "},{"role":"assistant","content":"<think>hmm</think>answer"},{"role":"user","content":"q2"},{"role":"assistant","content":"a2"}],"add_generation_prompt":False},
}
out = {"cases": cases, "expected": {}}
for p in sorted(glob.glob(os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../../../../shared/chat-templates/*.jinja'))):
    name = os.path.basename(p)
    t = env.from_string(open(p).read())
    out["expected"][name] = {}
    for cn, c in cases.items():
        kw = dict(messages=c["messages"], add_generation_prompt=c["add_generation_prompt"], bos_token="<s>", eos_token="</s>")
        if "tools" in c: kw["tools"] = c["tools"]
        try: out["expected"][name][cn] = {"output": t.render(**kw)}
        except TemplateError as e: out["expected"][name][cn] = {"error": str(e)}
        except Exception as e: out["expected"][name][cn] = {"other": f"{type(e).__name__}: {e}"}
json.dump(out, open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'jinja2-extra-renderings.json'), 'w'), indent=1, ensure_ascii=False)
for n, v in out["expected"].items():
    for cn, r in v.items():
        if "output" not in r: print(n, cn, r)
