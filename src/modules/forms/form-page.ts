// The embeddable form page: plain HTML with a little inline script that posts the answers as JSON
// to the public endpoint. Every piece of form text is escaped here, on the server; the script
// only reads the inputs and shows the answer with textContent.
import type { FormField, PublicFormView } from './forms.service.js';
import { honeypotField } from './forms.service.js';

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function inputOf(f: FormField): string {
  const id = `f-${escapeHtml(f.key)}`;
  const common = `id="${id}" name="${escapeHtml(f.key)}"${f.required ? ' required' : ''}`;
  switch (f.kind) {
    case 'textarea':
      return `<textarea ${common} rows="6" maxlength="10000"></textarea>`;
    case 'select':
      return `<select ${common}><option value="">Choose…</option>${(f.options ?? [])
        .map((o) => `<option value="${escapeHtml(o)}">${escapeHtml(o)}</option>`)
        .join('')}</select>`;
    case 'checkbox':
      return `<input type="checkbox" ${common} value="true">`;
    case 'email':
      return `<input type="email" ${common} maxlength="320" autocomplete="email">`;
    default:
      return `<input type="text" ${common} maxlength="200">`;
  }
}

function fieldOf(f: FormField): string {
  const label = `${escapeHtml(f.label)}${f.required ? ' <span aria-hidden="true">*</span>' : ''}`;
  if (f.kind === 'checkbox') return `<p class="check">${inputOf(f)} <label for="f-${escapeHtml(f.key)}">${label}</label></p>`;
  return `<p><label for="f-${escapeHtml(f.key)}">${label}</label>${inputOf(f)}</p>`;
}

const style = `body{font-family:system-ui,sans-serif;margin:0;padding:16px;color:#222;background:#fff}
form,#done{max-width:560px}label{display:block;font-weight:600;margin-bottom:4px}.check label{display:inline;font-weight:400}
input[type=text],input[type=email],textarea,select{width:100%;box-sizing:border-box;padding:8px;border:1px solid #bbb;border-radius:6px;font:inherit}
button{padding:8px 16px;border:0;border-radius:6px;background:#1c7ed6;color:#fff;font:inherit;cursor:pointer}
.trap{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}#error{color:#c92a2a}`;

// Posts the answers; shows the server's message on failure and the confirmation on success.
const script = `(function(){var form=document.getElementById('form');var slug=form.getAttribute('data-slug');
form.addEventListener('submit',function(e){e.preventDefault();var answers={};var els=form.elements;
for(var i=0;i<els.length;i++){var el=els[i];if(!el.name||el.name===${JSON.stringify(honeypotField)})continue;
answers[el.name]=el.type==='checkbox'?el.checked:el.value;}
var body={answers:answers};var trap=els[${JSON.stringify(honeypotField)}];if(trap&&trap.value)body.${honeypotField}=trap.value;
var err=document.getElementById('error');err.textContent='';var button=form.querySelector('button');button.disabled=true;
fetch('/api/public/forms/'+encodeURIComponent(slug)+'/submissions',{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify(body)})
.then(function(r){return r.json().then(function(j){return{ok:r.ok,j:j};});})
.then(function(x){button.disabled=false;if(!x.ok){err.textContent=(x.j.error&&x.j.error.message)||'Something went wrong.';return;}
form.hidden=true;var done=document.getElementById('done');done.textContent=x.j.confirmationText;done.hidden=false;})
.catch(function(){button.disabled=false;err.textContent='Cannot reach the server. Please try again.';});});})();`;

export function renderFormPage(form: PublicFormView, nonce: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(form.name)}</title><style nonce="${nonce}">${style}</style></head>
<body><h1>${escapeHtml(form.name)}</h1>
<form id="form" data-slug="${escapeHtml(form.slug)}" novalidate>
${form.fields.map(fieldOf).join('\n')}
<p class="trap" aria-hidden="true"><label for="f-trap">Leave this empty</label><input type="text" id="f-trap" name="${honeypotField}" tabindex="-1" autocomplete="off"></p>
<p id="error" role="alert"></p>
<button type="submit">Send</button>
</form>
<p id="done" role="status" hidden></p>
<script nonce="${nonce}">${script}</script>
</body></html>`;
}

export function notFoundPage(): string {
  return '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Not found</title></head><body><p>This form does not exist.</p></body></html>';
}
