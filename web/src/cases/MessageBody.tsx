// A message's body. HTML (sanitised by the server already) is shown in a sandboxed frame that may
// run no script and load nothing but images, so even a sanitiser miss cannot touch the app;
// plain text is shown as text.
import { Text } from '@mantine/core';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { MessageView } from '../api-types';

const FRAME_CSP = "default-src 'none'; img-src data: https: cid:; style-src 'unsafe-inline'; font-src data:";
const FRAME_STYLE =
  'html,body{margin:0;padding:0;background:transparent;}' +
  'body{font:14px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#212529;overflow-wrap:anywhere;}' +
  'img{max-width:100%;height:auto;} blockquote{margin:0 0 0 8px;padding-left:8px;border-left:3px solid #ced4da;color:#495057;}' +
  'pre{white-space:pre-wrap;} table{border-collapse:collapse;max-width:100%;} p:first-child{margin-top:0;} p:last-child{margin-bottom:0;}';

function frameDocument(html: string): string {
  return (
    '<!doctype html><html><head><meta charset="utf-8">' +
    `<meta http-equiv="Content-Security-Policy" content="${FRAME_CSP}">` +
    '<base target="_blank">' +
    `<style>${FRAME_STYLE}</style></head><body>${html}</body></html>`
  );
}

function HtmlFrame({ html, title }: { html: string; title: string }) {
  const frame = useRef<HTMLIFrameElement>(null);
  const observer = useRef<ResizeObserver | null>(null);
  const [height, setHeight] = useState(40);

  // Same origin (but no scripts) so the page can measure the content and size the frame to it.
  const measure = () => {
    const doc = frame.current?.contentDocument;
    if (!doc?.documentElement) return;
    setHeight(Math.max(20, Math.ceil(doc.documentElement.scrollHeight)));
  };

  const onLoad = () => {
    measure();
    const doc = frame.current?.contentDocument;
    observer.current?.disconnect();
    if (doc?.body && typeof ResizeObserver !== 'undefined') {
      observer.current = new ResizeObserver(measure);
      observer.current.observe(doc.body);
    }
    // Images arrive after load and change the height.
    doc?.querySelectorAll('img').forEach((img) => img.addEventListener('load', measure));
  };

  useEffect(() => () => observer.current?.disconnect(), []);

  return (
    <iframe
      ref={frame}
      title={title}
      sandbox="allow-same-origin allow-popups allow-popups-to-escape-sandbox"
      srcDoc={frameDocument(html)}
      onLoad={onLoad}
      style={{ width: '100%', height, border: 0, display: 'block', background: 'white', borderRadius: 4 }}
    />
  );
}

export function MessageBody({ message }: { message: MessageView }) {
  if (message.bodyHtml) return <HtmlFrame html={message.bodyHtml} title="Message content" />;
  return (
    <Text size="sm" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }} data-testid="message-text">
      {message.bodyText}
    </Text>
  );
}

/** A search snippet: text with <b> marks around the matches. Only the marks become markup. */
export function Snippet({ html }: { html: string }) {
  const parts = html.split(/(<\/?b>)/i);
  const nodes: ReactNode[] = [];
  let bold = false;
  parts.forEach((part, index) => {
    const lower = part.toLowerCase();
    if (lower === '<b>') bold = true;
    else if (lower === '</b>') bold = false;
    else if (part) nodes.push(bold ? <mark key={index}>{part}</mark> : part);
  });
  return (
    <Text size="xs" c="dimmed" lineClamp={2}>
      {nodes}
    </Text>
  );
}
