// Structured input: the questions of a structured_input item, answered
// with buttons (one choice), checkboxes (several) or a text field, or
// skipped. Once answered, the item shows the questions and answers.
import { h } from './dom.js';

/**
 * renderStructuredInput returns the element of a structured_input item.
 * While it is pending, onSubmit(submission) is called with the
 * StructuredInputSubmission to send (threads.add_structured_input); a
 * single one-choice question is answered by its button at once.
 * idPrefix keeps element ids unique on the page.
 */
export function renderStructuredInput(item, onSubmit, idPrefix = 'si') {
  const inputs = Array.isArray(item && item.inputs) ? item.inputs.filter((q) => q && typeof q === 'object') : [];
  const pending = !item.status || item.status === 'pending';
  if (!pending) {
    const rows = inputs.map((q) => {
      const a = q.answer;
      const text = a && !a.skipped && Array.isArray(a.values) && a.values.length ? a.values.map(String).join(', ') : 'skipped';
      return h('li', {}, [h('span', { text: `${str(q.question)} ` }), h('strong', { text: text })]);
    });
    return h('ul', { class: 'questions answered' }, rows);
  }
  const form = h('form', { class: 'questions choices' });
  const values = new Map(); // question id -> chosen values
  let sent = false;
  const submit = (status) => {
    if (sent) return;
    const answers = {};
    for (const q of inputs) {
      const v = values.get(str(q.id)) || [];
      answers[str(q.id)] = { values: v, skipped: status === 'skipped' || v.length === 0 };
    }
    sent = true;
    form.setAttribute('aria-busy', 'true');
    Promise.resolve(onSubmit({ status, answers })).finally(() => {
      sent = false;
      form.removeAttribute('aria-busy');
    });
  };
  const single = inputs.length === 1 && inputs[0].type !== 'freeform' && !inputs[0].multiple;
  inputs.forEach((q, qi) => {
    const id = str(q.id);
    const qid = `${idPrefix}-${item.id}-${qi}`;
    const legend = h('legend', { id: `${qid}-q`, text: str(q.question) });
    const set = h('fieldset', { class: 'choice' }, [legend]);
    if (q.type === 'freeform') {
      if (q.description) set.append(h('p', { class: 'muted small', id: `${qid}-d`, text: str(q.description) }));
      const input = h('input', { class: 'input', type: 'text', id: `${qid}-in`, 'aria-labelledby': `${qid}-q` });
      if (q.description) input.setAttribute('aria-describedby', `${qid}-d`);
      input.addEventListener('input', () => values.set(id, input.value.trim() ? [input.value.trim()] : []));
      set.append(input);
    } else if (q.multiple) {
      for (const [i, o] of options(q).entries()) {
        const box = h('input', { type: 'checkbox', id: `${qid}-${i}`, value: o });
        box.addEventListener('change', () => {
          const cur = new Set(values.get(id) || []);
          if (box.checked) cur.add(o);
          else cur.delete(o);
          values.set(id, options(q).filter((x) => cur.has(x)));
        });
        set.append(h('label', { class: 'w-check', for: `${qid}-${i}` }, [box, h('span', { text: o })]));
      }
    } else {
      const group = h('div', { class: 'choice-buttons', role: 'group', 'aria-labelledby': `${qid}-q` });
      for (const o of options(q)) {
        const b = h('button', { type: 'button', class: 'btn choice-btn', text: o });
        b.setAttribute('aria-pressed', 'false');
        b.addEventListener('click', () => {
          values.set(id, [o]);
          group.querySelectorAll('button').forEach((x) => x.setAttribute('aria-pressed', x === b ? 'true' : 'false'));
          if (single) submit('answered');
        });
        group.append(b);
      }
      set.append(group);
    }
    form.append(set);
  });
  const bar = h('div', { class: 'choice-actions' });
  if (!single) bar.append(h('button', { type: 'submit', class: 'btn primary', text: 'Send' }));
  const skip = h('button', { type: 'button', class: 'btn ghost', text: 'Skip' });
  skip.addEventListener('click', () => submit('skipped'));
  bar.append(skip);
  form.append(bar);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    submit('answered');
  });
  return form;
}

function options(q) {
  return (Array.isArray(q.options) ? q.options : []).filter((o) => o && typeof o === 'object').map((o) => str(o.value));
}

function str(v) {
  return typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
}
