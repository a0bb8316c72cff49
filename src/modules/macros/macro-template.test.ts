// Reply templates: which placeholders exist, what a saved template may contain, how it renders.
import { describe, expect, test } from 'vitest';
import {
  describeTemplateProblem,
  placeholderNames,
  placeholdersIn,
  renderTemplate,
  templateProblem,
  templateValues,
  type TemplateSubject,
} from './macro-template.js';

const subject: TemplateSubject = {
  customer: { name: 'Ann Marie Smith', email: 'ann@example.com' },
  case: { number: 1042, subject: 'Refund for order 77', status: 'on_hold' },
  agent: { name: 'Bob Jones', email: 'bob@frontline.test' },
};
const values = templateValues(subject);

describe('rendering', () => {
  test('every placeholder is filled from the case, its customer and the agent', () => {
    const all = placeholderNames.map((n) => `${n}=[{{${n}}}]`).join(' ');
    expect(renderTemplate(all, values)).toBe(
      'customer.first_name=[Ann] customer.name=[Ann Marie Smith] customer.email=[ann@example.com] case.number=[1042] ' +
        'case.subject=[Refund for order 77] case.status=[on hold] agent.name=[Bob Jones] agent.first_name=[Bob] agent.email=[bob@frontline.test]',
    );
  });

  test('whitespace inside the braces is allowed; a placeholder may repeat', () => {
    expect(renderTemplate('Hi {{ customer.first_name }}, case #{{case.number}} ({{  case.number\t}})', values)).toBe(
      'Hi Ann, case #1042 (1042)',
    );
  });

  test('values are inserted as text: placeholders, $-patterns and markup inside values are not interpreted', () => {
    const sneaky = templateValues({
      ...subject,
      customer: { name: '{{agent.email}} $& $1 <b>x</b>', email: null },
    });
    expect(renderTemplate('Dear {{customer.name}}.', sneaky)).toBe('Dear {{agent.email}} $& $1 <b>x</b>.');
    expect(renderTemplate('Mail: [{{customer.email}}]', sneaky)).toBe('Mail: []');
  });

  test('a customer without a name gets an empty first name, not "undefined"', () => {
    const nameless = templateValues({ ...subject, customer: { name: '   ', email: 'x@example.com' } });
    expect(renderTemplate('Hi {{customer.first_name}}!', nameless)).toBe('Hi !');
  });

  test('text without placeholders, and single braces, pass through unchanged', () => {
    expect(renderTemplate('Price {x} in {{ not closed', values)).toBe('Price {x} in {{ not closed');
  });
});

describe('checking a template when it is saved', () => {
  test('a template with known placeholders only is fine', () => {
    expect(templateProblem('Hi {{customer.first_name}}, this is {{ agent.name }} about #{{case.number}}.')).toBeNull();
    expect(templateProblem('No placeholders at all {single}.')).toBeNull();
  });

  test('unknown placeholders are listed, once each, in order', () => {
    const p = templateProblem('Hi {{customer.firstname}} {{ customer.firstname }} {{ticket.id}} {{customer.name}} {{}}');
    expect(p).toEqual({ unknown: ['customer.firstname', 'ticket.id', ''], unclosed: false });
    const message = describeTemplateProblem(p!);
    expect(message).toContain('{{customer.firstname}}');
    expect(message).toContain('{{ticket.id}}');
    expect(message).toContain('{{customer.first_name}}'); // the list of what is allowed
  });

  test('placeholder names are case-sensitive', () => {
    expect(templateProblem('{{Customer.Name}}')?.unknown).toEqual(['Customer.Name']);
  });

  test('an opening "{{" without its "}}" is reported', () => {
    expect(templateProblem('Hi {{customer.first_name}, welcome')).toEqual({ unknown: [], unclosed: true });
    expect(describeTemplateProblem({ unknown: [], unclosed: true })).toContain('not closed');
  });

  test('placeholdersIn names what a template uses', () => {
    expect(placeholdersIn('{{a}} {{ b }} {{a}}')).toEqual(['a', 'b']);
  });
});
