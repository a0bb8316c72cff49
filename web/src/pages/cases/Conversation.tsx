// The conversation of a case, oldest first: customer messages, public replies and internal notes,
// each with its own look so a note is never mistaken for something the customer saw.
import { Anchor, Badge, Group, Loader, Paper, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { CaseView, MessageView } from '../../api-types';
import { fetchCaseMessages } from '../../case-api';
import { CHANNEL_LABELS, labelOf } from '../../cases/labels';
import { MessageBody } from '../../cases/MessageBody';
import { QueryError } from '../../components/QueryError';
import { RelativeTime } from '../../components/RelativeTime';
import { usePollUnlessLive } from '../../live';
import { rawEmailUrl } from '../../mailbox-api';
import { queryKeys } from '../../query-keys';

const KIND_STYLE: Record<MessageView['kind'], { label: string; color: string; background?: string; border: string }> = {
  customer: { label: 'Customer', color: 'gray', border: 'var(--mantine-color-gray-5)' },
  reply: { label: 'Reply', color: 'blue', background: 'var(--mantine-color-blue-light)', border: 'var(--mantine-color-blue-6)' },
  note: {
    label: 'Internal note',
    color: 'yellow',
    background: 'var(--mantine-color-yellow-light)',
    border: 'var(--mantine-color-yellow-6)',
  },
};

function authorName(message: MessageView, caseView: CaseView): string {
  const author = message.author;
  if (author.type === 'system') return 'Frontline';
  if (author.name) return author.name;
  if (author.type === 'customer') return caseView.requester.name || caseView.requester.email || 'Customer';
  return 'A colleague';
}

export function Conversation({ caseView }: { caseView: CaseView }) {
  const refetchInterval = usePollUnlessLive();
  const messages = useQuery({
    queryKey: queryKeys.caseMessages(caseView.id),
    queryFn: () => fetchCaseMessages(caseView.id),
    refetchInterval,
  });

  if (messages.isPending) return <Loader size="sm" />;
  if (messages.isError && !messages.data) return <QueryError error={messages.error} onRetry={() => void messages.refetch()} />;
  if (messages.data.length === 0) {
    return (
      <Text c="dimmed" size="sm">
        No messages yet.
      </Text>
    );
  }

  return (
    <Stack gap="sm" aria-label="Conversation" role="feed">
      {messages.data.map((message) => {
        const style = KIND_STYLE[message.kind];
        return (
          <Paper
            key={message.id}
            withBorder
            p="sm"
            component="article"
            aria-label={`${style.label} from ${authorName(message, caseView)}`}
            data-testid="message"
            data-kind={message.kind}
            style={{ background: style.background, borderLeft: `4px solid ${style.border}` }}
          >
            <Group justify="space-between" mb={6} wrap="nowrap">
              <Group gap="xs" wrap="nowrap">
                <Text size="sm" fw={600}>
                  {authorName(message, caseView)}
                </Text>
                <Badge size="xs" variant={message.kind === 'customer' ? 'outline' : 'light'} color={style.color}>
                  {style.label}
                </Badge>
                {message.channel !== 'internal' && (
                  <Text size="xs" c="dimmed">
                    {labelOf(CHANNEL_LABELS, message.channel)}
                  </Text>
                )}
              </Group>
              <Group gap="xs" wrap="nowrap">
                {/* Mail that arrived through a mailbox keeps its original, as received. */}
                {message.channel === 'email' && message.externalId && (
                  <Anchor href={rawEmailUrl(caseView.id, message.id)} download size="xs" data-testid="message-raw-link">
                    Download original
                  </Anchor>
                )}
                <RelativeTime iso={message.createdAt} size="xs" c="dimmed" />
              </Group>
            </Group>
            <MessageBody message={message} />
          </Paper>
        );
      })}
    </Stack>
  );
}
