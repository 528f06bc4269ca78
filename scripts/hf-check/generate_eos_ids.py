# Which ids stop transformers' generate(): the shipped model with config.json's eos_token_id set to a token greedy
# decoding emits, beside generation_config.json's eos 2 (case A) or a generation_config.json without one (case C).
# HF reads only generation_config.json (test/model/generation-config.test.ts). Run: /path/to/python this-file
import torch, json, shutil, os, tempfile
from transformers import AutoModelForCausalLM, AutoTokenizer
src=os.path.join(os.path.dirname(__file__), '..', '..', 'models', 'mistral-tune-tiny')
tmp=tempfile.mkdtemp()
m=AutoModelForCausalLM.from_pretrained(src, dtype=torch.float32)
tok=AutoTokenizer.from_pretrained(src)
ids=tok("The quick brown fox", return_tensors='pt').input_ids
print('prompt', ids.tolist())
out=m.generate(ids, max_new_tokens=12, do_sample=False, eos_token_id=None)
gen=out[0, ids.shape[1]:].tolist(); print('gen nostop', gen)
t=gen[3]
# Case A: config.json eos = t; generation_config.json eos 2
d=tmp+'/caseA'; shutil.rmtree(d, ignore_errors=True); shutil.copytree(src, d)
c=json.load(open(d+'/config.json')); c['eos_token_id']=t; json.dump(c, open(d+'/config.json','w'))
m2=AutoModelForCausalLM.from_pretrained(d, dtype=torch.float32)
print('A gen cfg eos', m2.generation_config.eos_token_id, 'model cfg eos', m2.config.eos_token_id)
print('A', m2.generate(ids, max_new_tokens=12, do_sample=False)[0, ids.shape[1]:].tolist())
# Case C: generation_config.json without eos_token_id, config.json eos t
d=tmp+'/caseC'; shutil.rmtree(d, ignore_errors=True); shutil.copytree(src, d)
c=json.load(open(d+'/config.json')); c['eos_token_id']=t; json.dump(c, open(d+'/config.json','w'))
json.dump({"bos_token_id":1}, open(d+'/generation_config.json','w'))
m3=AutoModelForCausalLM.from_pretrained(d, dtype=torch.float32)
print('C gen cfg eos', m3.generation_config.eos_token_id)
print('C', m3.generate(ids, max_new_tokens=12, do_sample=False)[0, ids.shape[1]:].tolist())
shutil.rmtree(tmp)
