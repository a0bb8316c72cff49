// What an inbound email's content becomes: text and sanitised HTML, attachments and inline
// images, other character sets, the display text without quoted history, and the raw original.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestMailbox, crlf, deliver, simpleMail, type TestMailbox } from '../../../test/email-helpers.js';
import { startTestApp, type Requester, type TestApp } from '../../../test/helpers.js';

let t: TestApp;
let admin: Requester;
let box: TestMailbox;

beforeAll(async () => {
  t = await startTestApp();
  admin = (await t.userWithToken('admin')).as;
  box = await createTestMailbox(admin, { address: 'help@acme.test' });
});
afterAll(() => t.close());

type Message = {
  id: string;
  bodyText: string;
  bodyHtml: string | null;
  attachments: { id: string; filename: string; contentType: string; sizeBytes: number }[];
};

async function onlyMessage(caseId: string): Promise<Message> {
  const items = (await admin({ url: `/api/cases/${caseId}/messages` })).json().items as Message[];
  expect(items).toHaveLength(1);
  return items[0]!;
}

const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
const pdf = Buffer.from('%PDF-1.4\n% test document\n');

describe('bodies', () => {
  test('multipart/alternative: the text part is the text, the HTML part is kept sanitised', async () => {
    const raw = crlf([
      'From: Ann <ann@example.org>',
      'To: help@acme.test',
      'Subject: Alternative',
      'Message-ID: <alt@example.org>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/alternative; boundary="ALT"',
      '',
      '--ALT',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Hello *there*, plain.',
      '--ALT',
      'Content-Type: text/html; charset=utf-8',
      '',
      '<html><body><p>Hello <b>there</b>, rich.</p><script>alert(1)</script><img src="x" onerror="alert(2)"></body></html>',
      '--ALT--',
      '',
    ]);
    const res = await deliver(t, box, raw);
    const m = await onlyMessage(res.caseId!);
    expect(m.bodyText).toBe('Hello *there*, plain.');
    expect(m.bodyHtml).toContain('<b>there</b>, rich.');
    expect(m.bodyHtml).not.toContain('script');
    expect(m.bodyHtml).not.toContain('onerror');
  });

  test('HTML only: the plain text is rendered from the HTML', async () => {
    const raw = crlf([
      'From: html@example.org',
      'To: help@acme.test',
      'Subject: Only HTML',
      'Message-ID: <html-only@example.org>',
      'MIME-Version: 1.0',
      'Content-Type: text/html; charset=utf-8',
      '',
      '<div><p>First paragraph.</p><p>Second <a href="https://acme.test/x">link</a>.</p></div>',
      '',
    ]);
    const m = await onlyMessage((await deliver(t, box, raw)).caseId!);
    expect(m.bodyHtml).toContain('<p>First paragraph.</p>');
    expect(m.bodyText).toContain('First paragraph.');
    expect(m.bodyText).toContain('Second link');
    expect(m.bodyText).not.toContain('<p>');
  });

  test('ISO-8859-1: encoded subject and quoted-printable body are decoded', async () => {
    const raw = Buffer.from(
      crlf([
        'From: =?ISO-8859-1?Q?J=FCrgen_M=FCller?= <juergen@example.de>',
        'To: help@acme.test',
        'Subject: =?ISO-8859-1?Q?Gr=FC=DFe_aus_K=F6ln?=',
        'Message-ID: <latin1@example.de>',
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset=ISO-8859-1',
        'Content-Transfer-Encoding: quoted-printable',
        '',
        'Sch=F6ne Gr=FC=DFe, das Caf=E9 ist gro=DF.',
        '',
      ]),
      'latin1',
    );
    const res = await deliver(t, box, raw);
    const c = (await admin({ url: `/api/cases/${res.caseId}` })).json();
    expect(c.subject).toBe('Grüße aus Köln');
    expect(c.requester.name).toBe('Jürgen Müller');
    expect((await onlyMessage(res.caseId!)).bodyText).toBe('Schöne Grüße, das Café ist groß.');
  });

  test('ISO-8859-1 in 8 bits, and Windows-1252 with its euro sign and curly quotes', async () => {
    const latin = Buffer.concat([
      Buffer.from(
        crlf([
          'From: marie@example.fr',
          'To: help@acme.test',
          'Subject: Accents',
          'Message-ID: <latin1-8bit@example.fr>',
          'MIME-Version: 1.0',
          'Content-Type: text/plain; charset="iso-8859-1"',
          'Content-Transfer-Encoding: 8bit',
          '',
          '',
        ]),
      ),
      Buffer.from('Crème brûlée à la française.\r\n', 'latin1'),
    ]);
    expect((await onlyMessage((await deliver(t, box, latin)).caseId!)).bodyText).toBe('Crème brûlée à la française.');

    const windows = Buffer.concat([
      Buffer.from(
        crlf([
          'From: office@example.com',
          'To: help@acme.test',
          'Subject: Price',
          'Message-ID: <cp1252@example.com>',
          'MIME-Version: 1.0',
          'Content-Type: text/plain; charset=windows-1252',
          'Content-Transfer-Encoding: 8bit',
          '',
          '',
        ]),
      ),
      // 0x80 is the euro sign and 0x93/0x94 the curly quotes in Windows-1252 (control codes in Latin-1).
      Buffer.from([0x93, ...Buffer.from('It costs 5 '), 0x80, 0x94, 0x0d, 0x0a]),
    ]);
    expect((await onlyMessage((await deliver(t, box, windows)).caseId!)).bodyText).toBe('“It costs 5 €”');
  });

  test('a message with neither text nor HTML is kept with a placeholder text', async () => {
    const raw = crlf(['From: empty@example.org', 'To: help@acme.test', 'Subject: Empty', 'Message-ID: <empty@example.org>', '', '']);
    expect((await onlyMessage((await deliver(t, box, raw)).caseId!)).bodyText).toBe('(no text)');
  });

  test('NUL characters in a message do not break storage', async () => {
    const raw = simpleMail({ from: 'nul@example.org', subject: 'Nul\u0000 inside', body: 'before\u0000after' });
    const res = await deliver(t, box, raw);
    expect((await onlyMessage(res.caseId!)).bodyText).toBe('beforeafter');
  });
});

describe('attachments', () => {
  test('a file attachment and an inline image are stored as attachments of the message', async () => {
    const raw = crlf([
      'From: Pat <pat@example.org>',
      'To: help@acme.test',
      'Subject: Screenshot and invoice',
      'Message-ID: <files@example.org>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="MIXED"',
      '',
      '--MIXED',
      'Content-Type: multipart/related; boundary="RELATED"',
      '',
      '--RELATED',
      'Content-Type: text/html; charset=utf-8',
      '',
      '<p>See the screenshot:</p><img src="cid:shot@example.org" alt="screenshot">',
      '--RELATED',
      'Content-Type: image/png',
      'Content-Transfer-Encoding: base64',
      'Content-ID: <shot@example.org>',
      'Content-Disposition: inline; filename="screenshot.png"',
      '',
      png.toString('base64'),
      '--RELATED--',
      '--MIXED',
      'Content-Type: application/pdf; name="invoice.pdf"',
      'Content-Transfer-Encoding: base64',
      'Content-Disposition: attachment; filename="invoice.pdf"',
      '',
      pdf.toString('base64'),
      '--MIXED--',
      '',
    ]);
    const res = await deliver(t, box, raw);
    const m = await onlyMessage(res.caseId!);
    expect(m.bodyHtml).toContain('src="cid:shot@example.org"');
    expect(m.bodyText).toContain('See the screenshot:');
    expect(m.attachments.map((a) => [a.filename, a.contentType, a.sizeBytes])).toEqual([
      ['screenshot.png', 'image/png', png.length],
      ['invoice.pdf', 'application/pdf', pdf.length],
    ]);
    const image = await admin({ url: `/api/attachments/${m.attachments[0]!.id}` });
    expect(image.rawPayload).toEqual(png);
    const invoice = await admin({ url: `/api/attachments/${m.attachments[1]!.id}` });
    expect(invoice.rawPayload).toEqual(pdf);
    expect(invoice.headers['content-disposition']).toContain('attachment');
  });

  test('an attachment on a reply joins the existing case', async () => {
    const first = await deliver(t, box, simpleMail({ from: 'sam@example.org', subject: 'Photo', messageId: '<photo-1@example.org>' }));
    const reply = crlf([
      'From: sam@example.org',
      'To: help@acme.test',
      'Subject: Re: Photo',
      'Message-ID: <photo-2@example.org>',
      'In-Reply-To: <photo-1@example.org>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="B"',
      '',
      '--B',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Here it is.',
      '--B',
      'Content-Type: image/png',
      'Content-Transfer-Encoding: base64',
      'Content-Disposition: attachment; filename="photo.png"',
      '',
      png.toString('base64'),
      '--B--',
      '',
    ]);
    const res = await deliver(t, box, reply);
    expect(res.caseId).toBe(first.caseId);
    const items = (await admin({ url: `/api/cases/${first.caseId}/messages` })).json().items as Message[];
    expect(items[1]).toMatchObject({ bodyText: 'Here it is.', attachments: [expect.objectContaining({ filename: 'photo.png' })] });
  });
});

describe('display text and the original', () => {
  test('quoted history is trimmed for display while the full body is stored', async () => {
    const body = [
      'Yes, it arrived today.',
      '',
      'On Mon, 23 Nov 2026 at 09:00, Acme <help@acme.test> wrote:',
      '> Did your parcel arrive?',
    ].join('\r\n');
    const res = await deliver(t, box, simpleMail({ from: 'quote@example.org', subject: 'Quoted', body }));
    const m = await onlyMessage(res.caseId!);
    expect(m.bodyText).toContain('> Did your parcel arrive?');
    const email = (await admin({ url: `/api/cases/${res.caseId}/messages/${m.id}/email` })).json();
    expect(email.displayText).toBe('Yes, it arrived today.');
  });

  test('the raw original downloads byte for byte, only for those who may read the case', async () => {
    const teamId = (await admin({ method: 'POST', url: '/api/teams', body: { name: 'Private desk' } })).json().id;
    const privateBox = await createTestMailbox(admin, { address: 'private@acme.test', teamId });
    const raw = Buffer.from(simpleMail({ from: 'orig@example.org', subject: 'Original', body: 'Keep me exactly.' }), 'utf8');
    const res = await deliver(t, privateBox, raw);
    const download = await admin({ url: `/api/cases/${res.caseId}/messages/${res.messageId}/raw` });
    expect(download.statusCode).toBe(200);
    expect(download.headers['content-type']).toBe('message/rfc822');
    expect(download.headers['content-disposition']).toBe(`attachment; filename="message-${res.messageId}.eml"`);
    expect(download.rawPayload).toEqual(raw);
    const outsider = (await t.userWithToken('agent')).as;
    const refused = await outsider({ url: `/api/cases/${res.caseId}/messages/${res.messageId}/raw` });
    expect(refused.statusCode).toBe(404);
    expect(refused.json()).toMatchObject({ error: { code: 'not_found' } });
  });

  test('a message that did not come by email, or of another case, has no original', async () => {
    const c = await admin({
      method: 'POST',
      url: '/api/cases',
      body: { subject: 'By API', requester: { email: 'api@example.org' }, message: { body: 'hi' } },
    });
    const caseId = c.json().id;
    const [m] = (await admin({ url: `/api/cases/${caseId}/messages` })).json().items;
    expect((await admin({ url: `/api/cases/${caseId}/messages/${m.id}/raw` })).statusCode).toBe(404);
    const mail = await deliver(t, box, simpleMail({ from: 'other@example.org', subject: 'Other' }));
    const wrongCase = await admin({ url: `/api/cases/${caseId}/messages/${mail.messageId}/raw` });
    expect(wrongCase.statusCode).toBe(404);
  });
});
