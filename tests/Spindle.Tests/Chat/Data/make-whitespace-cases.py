# Regenerates jinja2-whitespace-cases.json: 400 random templates mixing text, whitespace, if/else/for/set/raw tags and
# comments with and without -/+ modifiers, paired with what Jinja2 3.1 renders under transformers' settings
# (trim_blocks, lstrip_blocks, keep_trailing_newline=False) for v="V", t=True, n=False, xs=[1, 2].
# Run: python3 make-whitespace-cases.py  (needs jinja2)
import os
import json, random
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2 import ext
env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[ext.loopcontrols])
random.seed(1234)
texts = ["", " ", "  ", "\t", "\n", " \n", "\n  ", "\n\n", "a", " a ", "a\n", "\n a", "x y", "  \t\n \n"]
def ws(): return random.choice(["", " ", "  "])
def sign(): return random.choice(["", "", "-", "+"])
def piece(depth):
    r = random.random()
    if r < 0.35: return random.choice(texts)
    if r < 0.5: return "{{" + random.choice(["", "-"]) + ws() + random.choice(["v", "'s'", "1", "n"]) + ws() + random.choice(["", "-"]) + "}}"
    if r < 0.6: return "{#" + random.choice(["", "-"]) + " c " + random.choice(["", "-"]) + "#}"
    if r < 0.7 and depth < 3:
        s1, s2, s3, s4 = sign(), sign(), sign(), sign()
        return "{%" + s1.replace('+','') + " if " + random.choice(["t", "n"]) + " " + s2 + "%}" + body(depth+1) + "{%" + s3 + " else " + random.choice(["", "-"]) + "%}" + body(depth+1) + "{%" + s4.replace('+','') + " endif %}"
    if r < 0.8 and depth < 3:
        return "{%" + sign().replace('+','') + " for i in xs " + sign() + "%}" + body(depth+1) + "{%" + sign() + " endfor " + random.choice(["", "-"]) + "%}"
    if r < 0.85:
        return "{%" + sign() + " set q = 1 " + sign() + "%}"
    if r < 0.9:
        return "{%" + random.choice(["", "-"]) + " raw " + random.choice(["", "-"]) + "%}" + random.choice(texts) + "{{ x }}" + random.choice(texts) + "{%" + random.choice(["", "-"]) + " endraw " + random.choice(["", "-"]) + "%}"
    return random.choice(texts) + random.choice(texts)
def body(depth):
    return "".join(piece(depth) for _ in range(random.randint(1, 5)))
cases = []
seen = set()
while len(cases) < 400:
    t = body(0) + random.choice(["", "\n", " \n"])
    if t in seen: continue
    seen.add(t)
    try: out = env.from_string(t).render(v="V", t=True, n=False, xs=[1, 2])
    except Exception as e: continue
    cases.append([t, out])
json.dump(cases, open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'jinja2-whitespace-cases.json'), 'w'), indent=0)
print(len(cases))
