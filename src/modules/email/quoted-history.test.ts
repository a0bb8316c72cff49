// Quoted history is cut from what is shown of an email, never from what is stored.
import { describe, expect, test } from 'vitest';
import { htmlToPlainText } from '../../lib/html.js';
import { trimQuotedHistory } from './quoted-history.js';

describe('trimQuotedHistory', () => {
  test('a Gmail-style reply loses the attribution and the quoted lines', () => {
    const text = [
      'Yes, the order number is 1234.',
      '',
      'On Mon, 23 Nov 2026 at 09:00, Acme Support <support@acme.test> wrote:',
      '> Could you send us your order number?',
      '>',
      '> Kind regards',
    ].join('\n');
    expect(trimQuotedHistory(text)).toBe('Yes, the order number is 1234.');
  });

  test('an attribution wrapped over two lines is recognised', () => {
    const text = ['Thanks!', '', 'On Mon, 23 Nov 2026 at 09:00, Acme Support <', 'support@acme.test> wrote:', '', '> Earlier text'].join(
      '\n',
    );
    expect(trimQuotedHistory(text)).toBe('Thanks!');
  });

  test('Outlook: everything from "-----Original Message-----" on is dropped', () => {
    const text = [
      'Please cancel it.',
      '',
      '-----Original Message-----',
      'From: Acme Support <support@acme.test>',
      'Sent: Monday, November 23, 2026 9:00 AM',
      'Subject: Your order',
      '',
      'Your order has shipped.',
    ].join('\r\n');
    expect(trimQuotedHistory(text)).toBe('Please cancel it.');
  });

  test('Outlook without a separator: a From:/Sent: header block under a rule', () => {
    const text = [
      'It still does not work.',
      '',
      '________________________________',
      'From: Acme Support <support@acme.test>',
      'Sent: Monday, November 23, 2026 9:00 AM',
      'To: Ann <ann@example.com>',
      'Subject: RE: Login',
      '',
      'Have you tried resetting your password?',
    ].join('\n');
    expect(trimQuotedHistory(text)).toBe('It still does not work.');
  });

  test('interleaved quotes are removed, the answers between them kept', () => {
    const text = ['> Which colour?', 'Blue.', '> Which size?', 'Large.'].join('\n');
    expect(trimQuotedHistory(text)).toBe('Blue.\nLarge.');
  });

  test('a sentence that merely ends in "wrote:" is not a quote', () => {
    const text = ['On Monday your colleague wrote:', 'the refund is on its way. It is not.'].join('\n');
    expect(trimQuotedHistory(text)).toBe(text);
  });

  test('a forwarded message at the very top is content, not history', () => {
    const text = ['From: Bank <noreply@bank.test>', 'Sent: Monday', 'Subject: Payment', '', 'Your payment failed.'].join('\n');
    expect(trimQuotedHistory(text)).toBe(text);
  });

  test('a message that is only a quotation is shown whole rather than empty', () => {
    const text = '> just the old text\n> again';
    expect(trimQuotedHistory(text)).toBe(text);
  });

  test('text without history is unchanged apart from surrounding blank lines', () => {
    expect(trimQuotedHistory('\nHello there.\n\nSecond paragraph.\n\n')).toBe('Hello there.\n\nSecond paragraph.');
  });

  test('French and German attributions', () => {
    expect(trimQuotedHistory('Merci.\n\nLe lun. 23 nov. 2026 à 09:00, Acme <s@acme.test> a écrit :\n> Bonjour')).toBe('Merci.');
    expect(trimQuotedHistory('Danke.\n\nAm 23.11.2026 um 09:00 schrieb Acme <s@acme.test>:\n> Hallo')).toBe('Danke.');
  });

  test('an HTML-only Gmail reply, rendered to text as it is stored, loses its quoted block', () => {
    const html =
      '<div dir="ltr">Thanks, that worked.</div><br><div class="gmail_quote"><div class="gmail_attr">' +
      'On Mon, 23 Nov 2026 at 09:00, Acme &lt;help@acme.test&gt; wrote:<br></div>' +
      '<blockquote class="gmail_quote"><p>Try restarting.</p></blockquote></div>';
    expect(trimQuotedHistory(htmlToPlainText(html))).toBe('Thanks, that worked.');
  });
  test('Japanese and Chinese Gmail attributions, with ASCII or full-width colons', () => {
    const ja = 'ありがとうございます。\n\n2026年11月20日(金) 14:03 Acme <s@acme.test>:\n\n> ご注文ありがとうございます。';
    expect(trimQuotedHistory(ja)).toBe('ありがとうございます。');
    const zh = '谢谢。\n\nAcme <s@acme.test> 于2026年11月20日周五 14:03写道：\n> 您好';
    expect(trimQuotedHistory(zh)).toBe('谢谢。');
    // A date line that no quotation follows is the customer's own text.
    const dated = '2026年11月20日に注文しました:\n商品がまだ届きません。';
    expect(trimQuotedHistory(dated)).toBe(dated);
  });

  test('an inline forward keeps the forwarded header block and message: that is the content', () => {
    for (const separator of ['---------- Forwarded message ---------', '-------- Forwarded Message --------', 'Begin forwarded message:']) {
      const text = [
        'Can you check this?',
        '',
        separator,
        'From: Courier <c@courier.test>',
        'Date: Fri, 20 Nov 2026',
        'Subject: Parcel',
        '',
        'Parcel returned.',
      ].join('\n');
      expect(trimQuotedHistory(text), separator).toBe(text);
    }
  });

  test('history above a forward is still trimmed', () => {
    const text = [
      'Here it is.',
      '',
      'On Mon, 23 Nov 2026 at 09:00, Acme <s@acme.test> wrote:',
      '> Please forward it.',
      '> ---------- Forwarded message ---------',
    ].join('\n');
    expect(trimQuotedHistory(text)).toBe('Here it is.');
  });
});
