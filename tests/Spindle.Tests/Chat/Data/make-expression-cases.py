# Regenerates jinja2-expression-cases.json: 1500 random nested expressions over operators, filters, tests, literals
# and undefined values, each with what Jinja2 3.1 prints (or the error it raises; [template, text, is_error]).
# Cases whose output contains an object address (generator, bound method reprs) are dropped.
# Run: python3 make-expression-cases.py  (needs jinja2)
import os
import json, random
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2 import ext
def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)
env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[ext.loopcontrols])
env.filters['tojson']=tojson
random.seed(7)
atoms = ["1", "2", "0", "-3", "2.5", "0.1", "'ab'", "'A b'", "''", "none", "true", "false", "xs", "d", "s", "missing", "[1, 'a']", "{'k': 1}", "(1, 2)", "n", "f", "msgs[0]", "d.a", "xs[0]", "s[1:]"]
filters = ["length", "string", "upper", "lower", "trim", "first", "last", "list", "tojson", "int", "float", "abs", "round", "title", "capitalize", "reverse|list", "sort|list", "unique|list", "join(',')", "default('z')", "items|list", "dictsort", "wordcount", "tojson(indent=1)", "select|list", "map('string')|list", "count", "sum", "min", "max", "escape", "safe", "replace('a','x')", "indent(2)", "center(7)", "batch(2)|list"]
tests = ["defined", "none", "string", "number", "mapping", "iterable", "sequence", "odd", "even", "true", "false", "boolean", "integer", "float", "divisibleby(2)", "eq 1", "in xs", "lower", "upper", "callable", "sameas none", "undefined"]
binops = ["+", "-", "*", "/", "//", "%", "**", "~", "==", "!=", "<", ">", "<=", ">=", "in", "not in", "and", "or"]
def expr(d):
    r = random.random()
    if d > 2 or r < 0.3: return random.choice(atoms)
    if r < 0.5: return "(" + expr(d+1) + " " + random.choice(binops) + " " + expr(d+1) + ")"
    if r < 0.7: return "(" + expr(d+1) + ")|" + random.choice(filters)
    if r < 0.8: return "(" + expr(d+1) + " is " + random.choice(["", "not "]) + random.choice(tests) + ")"
    if r < 0.88: return "(" + expr(d+1) + " if " + expr(d+1) + " else " + expr(d+1) + ")"
    if r < 0.94: return "(not " + expr(d+1) + ")"
    return "[" + expr(d+1) + ", " + expr(d+1) + "]"
V = {"xs": [3, 1, 2], "d": {"b": 2, "a": 1}, "s": "Hello World", "msgs": [{"role":"user","content":"hi"}], "n": None, "f": 2.5}
cases=[]; seen=set()
while len(cases) < 1500:
    t = "{{ " + expr(0) + " }}"
    if t in seen: continue
    seen.add(t)
    import copy
    try: cases.append([t, env.from_string(t).render(**copy.deepcopy(V)), False])
    except Exception as e: cases.append([t, type(e).__name__ + ": " + str(e), True])
cases = [c for c in cases if not any(m in c[1] for m in ('<generator', '<built-in', ' at 0x'))]
json.dump(cases, open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'jinja2-expression-cases.json'), 'w'), indent=0)
print(sum(1 for c in cases if c[2]), "errors of", len(cases))
