// Channels: is every channel customers use working? Each mailbox's and each web form's health
// state (ok, degraded, down, silent) with why, its last inbound mail or submission, a mailbox's
// last good send and IMAP poll and its runs of failures, its usual traffic by hour of week, and
// the history of its state changes.
import { Alert, Badge, Button, Drawer, Group, Loader, Stack, Table, Text, Tooltip } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { apiRequest } from '../../api';
import type { ItemList } from '../../api-types';
import { PageHeader } from '../../components/PageHeader';
import { QueryError } from '../../components/QueryError';
import { formatDateTime, formatRelative } from '../../format';
import { listChannelHealth, type ChannelHealth } from '../../mailbox-api';
import { queryKeys } from '../../query-keys';

type ChannelState = ChannelHealth['state'];

type ChannelEvent = { from: ChannelState | null; to: ChannelState; reason: string | null; at: string };

const stateColor: Record<ChannelState, string> = { ok: 'teal', degraded: 'orange', down: 'red', silent: 'grape' };
const stateLabel: Record<ChannelState, string> = { ok: 'OK', degraded: 'Degraded', down: 'Down', silent: 'Silent' };
const days = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** A 7 × 24 grid of the usual messages per hour, darker for busier hours. */
function UsualTraffic({ perHour }: { perHour: number[] }) {
  const max = Math.max(...perHour, 0.0001);
  return (
    <Stack gap={1} data-testid="usual-traffic">
      {days.map((day, d) => (
        <Group key={day} gap={1} wrap="nowrap">
          <Text size="10px" w={26}>
            {day}
          </Text>
          {perHour.slice(d * 24, d * 24 + 24).map((v, h) => (
            <Tooltip key={h} label={`${day} ${String(h).padStart(2, '0')}:00 — ${v} per hour`}>
              <div style={{ width: 9, height: 9, background: `rgba(34, 139, 230, ${v === 0 ? 0.06 : 0.15 + (0.85 * v) / max})` }} />
            </Tooltip>
          ))}
        </Group>
      ))}
    </Stack>
  );
}

function History({ channel, onClose }: { channel: ChannelHealth; onClose: () => void }) {
  const events = useQuery({
    queryKey: ['channel-events', channel.kind, channel.id],
    queryFn: async () => (await apiRequest<ItemList<ChannelEvent>>(`/api/channels/health/${channel.kind}/${channel.id}/events`)).items,
  });
  return (
    <Drawer opened onClose={onClose} title={`${channel.name}: history`} position="right" size="lg">
      <Stack>
        <Text size="sm">
          Usual {channel.kind === 'form' ? 'submissions' : 'mail'} per hour of the week (the last 8 weeks before today):
        </Text>
        <UsualTraffic perHour={channel.usualPerHour} />
        {events.isLoading && <Loader />}
        {events.error && <QueryError error={events.error} />}
        {events.data && events.data.length === 0 && <Text c="dimmed">No change of state yet.</Text>}
        {events.data && events.data.length > 0 && (
          <Table data-testid="channel-history">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>When</Table.Th>
                <Table.Th>Change</Table.Th>
                <Table.Th>Why</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {events.data.map((e, i) => (
                <Table.Tr key={i}>
                  <Table.Td>{formatDateTime(e.at)}</Table.Td>
                  <Table.Td>
                    {e.from ? stateLabel[e.from] : '—'} → <b>{stateLabel[e.to]}</b>
                  </Table.Td>
                  <Table.Td>{e.reason ?? ''}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Stack>
    </Drawer>
  );
}

export function ChannelsPage() {
  // Live facts: fetched afresh whenever the page opens, then every minute.
  const health = useQuery({ queryKey: queryKeys.channelHealth, queryFn: listChannelHealth, staleTime: 0, refetchInterval: 60_000 });
  const [open, setOpen] = useState<ChannelHealth | null>(null);
  return (
    <Stack>
      <PageHeader
        title="Channels"
        description="Every channel's health, checked every minute: sends and polls that fail, and silence where mail or form submissions usually arrive."
      />
      {health.isLoading && <Loader />}
      {health.error && <QueryError error={health.error} />}
      {health.data && health.data.length === 0 && (
        <Alert color="gray">
          No channel yet. Add a mailbox or a web form in <Link to="/settings/channels/mailboxes">Settings → Channels</Link>.
        </Alert>
      )}
      {health.data && health.data.length > 0 && (
        <Table striped data-testid="channels-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Channel</Table.Th>
              <Table.Th>State</Table.Th>
              <Table.Th>Last in</Table.Th>
              <Table.Th>Last good send</Table.Th>
              <Table.Th>Failed sends in a row</Table.Th>
              <Table.Th>Last good IMAP poll</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {health.data.map((c) => (
              <Table.Tr key={`${c.kind}:${c.id}`} data-testid="channel-row" data-state={c.state}>
                <Table.Td>
                  <Text fw={500}>{c.name}</Text>
                  <Text size="xs" c="dimmed">
                    {c.kind === 'mailbox' ? 'Mailbox' : 'Form'} {c.address ?? ''}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Stack gap={2}>
                    <Badge color={stateColor[c.state]} data-testid="channel-state">
                      {stateLabel[c.state]}
                    </Badge>
                    {c.reason && (
                      <Text size="xs" data-testid="channel-reason">
                        {c.reason}
                      </Text>
                    )}
                    <Text size="xs" c="dimmed">
                      since {formatRelative(c.stateSince)}
                    </Text>
                  </Stack>
                </Table.Td>
                <Table.Td data-testid="channel-last-inbound">{c.lastInboundAt ? formatRelative(c.lastInboundAt) : 'never'}</Table.Td>
                {c.kind === 'form' ? (
                  // A form sends nothing itself: its confirmations count on its mailbox.
                  <Table.Td colSpan={3}>
                    <Text size="xs" c="dimmed">
                      Confirmations are sent, and counted, by the form&apos;s mailbox.
                    </Text>
                  </Table.Td>
                ) : (
                  <>
                    <Table.Td>{c.lastSendOkAt ? formatRelative(c.lastSendOkAt) : 'never'}</Table.Td>
                    <Table.Td>
                      {c.consecutiveErrors}
                      {c.lastError && (
                        <Text size="xs" c="red">
                          {c.lastError}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      {c.lastPollOkAt ? formatRelative(c.lastPollOkAt) : c.consecutivePollErrors > 0 ? 'never' : '—'}
                      {c.consecutivePollErrors > 0 && (
                        <Text size="xs" c="red">
                          {c.consecutivePollErrors} failed: {c.lastPollError}
                        </Text>
                      )}
                    </Table.Td>
                  </>
                )}
                <Table.Td>
                  <Button size="xs" variant="light" onClick={() => setOpen(c)}>
                    History
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {open && <History channel={open} onClose={() => setOpen(null)} />}
    </Stack>
  );
}
