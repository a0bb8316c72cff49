// Which mail a machine sent, and the small parsing rules threading relies on.
import { describe, expect, test } from 'vitest';
import { detectAutomatedMail, type AutomatedSignals } from './automated-mail.js';
import { parseMessageIds, syntheticMessageId } from './email-parse.js';
import { nextSettings } from './mailboxes.service.js';
import { caseTokensOf } from './threading.js';

function signals(headers: Record<string, string>, extra: Partial<AutomatedSignals> = {}): AutomatedSignals {
  return { headers: new Map(Object.entries(headers)), mimeType: 'text/plain', reportType: null, fromAddress: 'ann@example.com', ...extra };
}

describe('detectAutomatedMail', () => {
  test('mail a person wrote is not automated', () => {
    expect(detectAutomatedMail(signals({ 'auto-submitted': 'no', precedence: 'first-class' }))).toBeNull();
  });

  test.each([
    [{ 'auto-submitted': 'auto-replied' }, 'auto_reply'],
    [{ 'auto-submitted': 'Auto-Generated; owner-email="x@y.z"' }, 'auto_reply'],
    [{ 'x-autoreply': 'yes' }, 'auto_reply'],
    [{ 'x-autorespond': 'Out of office' }, 'auto_reply'],
    [{ precedence: 'auto_reply' }, 'auto_reply'],
    [{ 'return-path': '<>' }, 'auto_reply'],
    [{ precedence: 'bulk' }, 'bulk'],
    [{ precedence: 'Junk' }, 'bulk'],
    [{ precedence: 'list' }, 'bulk'],
  ])('headers %o are %s', (headers, kind) => {
    expect(detectAutomatedMail(signals(headers))).toBe(kind);
  });

  test('a delivery status report is a bounce, whoever sends it', () => {
    expect(detectAutomatedMail(signals({}, { mimeType: 'multipart/report', reportType: 'delivery-status' }))).toBe('bounce');
  });

  test('MAILER-DAEMON and postmaster send bounces', () => {
    expect(detectAutomatedMail(signals({}, { fromAddress: 'mailer-daemon@mx.example.net' }))).toBe('bounce');
    expect(detectAutomatedMail(signals({}, { fromAddress: 'Postmaster@example.net' }))).toBe('bounce');
    expect(detectAutomatedMail(signals({}, { fromAddress: 'postmaster.jones@example.net' }))).toBeNull();
  });

  test('a read receipt (another report type) is an auto-reply', () => {
    expect(detectAutomatedMail(signals({}, { mimeType: 'multipart/report', reportType: 'disposition-notification' }))).toBe('auto_reply');
  });
});

describe('message ids and case tokens', () => {
  test('ids lose their brackets and keep their order; duplicates collapse', () => {
    expect(parseMessageIds('<a@x> <b@y>\r\n <a@x>')).toEqual(['a@x', 'b@y']);
    expect(parseMessageIds(['<a@x>', '<c@z>'])).toEqual(['a@x', 'c@z']);
    expect(parseMessageIds('bare@id.example')).toEqual(['bare@id.example']);
    expect(parseMessageIds(undefined)).toEqual([]);
  });

  test('an absurdly long id is hashed to a bounded, stable one', () => {
    const long = `<${'x'.repeat(2000)}@y>`;
    const [id] = parseMessageIds(long);
    expect(id).toMatch(/^sha256-[0-9a-f]{64}$/);
    expect(parseMessageIds(long)).toEqual([id]);
  });

  test('the synthetic id of a message without one depends on its bytes only', () => {
    expect(syntheticMessageId(Buffer.from('a'))).toBe(syntheticMessageId(Buffer.from('a')));
    expect(syntheticMessageId(Buffer.from('a'))).not.toBe(syntheticMessageId(Buffer.from('b')));
  });

  test('case tokens are read from [#1234] only', () => {
    expect(caseTokensOf('Re: [#1234] Parcel [#0042]')).toEqual(['1234', '42']);
    expect(caseTokensOf('Order #1234 and (1234)')).toEqual([]);
  });
});

describe('mailbox server settings', () => {
  const stored = { host: 'smtp.acme.test', port: 587, secure: false, username: 'support', password: 'hunter2' };

  test('a password left out is kept while host and user stay the same', () => {
    expect(nextSettings({ host: 'smtp.acme.test', port: 465, secure: true, username: 'support' }, stored)).toMatchObject({
      port: 465,
      password: 'hunter2',
    });
  });

  test('the stored password is never handed to another server', () => {
    expect(nextSettings({ host: 'smtp.other.test', port: 587, secure: false, username: 'support' }, stored)).not.toHaveProperty('password');
  });
});
