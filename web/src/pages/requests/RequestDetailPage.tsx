// One department request: the question, what the case shares (its number, subject, requester
// and only the messages the agent chose), the history, and the department's actions — answer, ask
// for clarification, assign within the department, decline with a reason. Each action sends the
// version on screen; a 409 means someone changed the request first, so the page offers a reload.
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Grid,
  Group,
  Loader,
  Paper,
  Select,
  Stack,
  Tabs,
  Text,
  Textarea,
  Timeline,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import type { GroupMember } from '../../api-types';
import { FormError } from '../../components/FormError';
import { QueryError } from '../../components/QueryError';
import { RelativeTime } from '../../components/RelativeTime';
import {
  answerRequest,
  askClarification,
  assignRequest,
  declineRequest,
  fetchDepartmentRequest,
  type DepartmentRequest,
  type DepartmentRequestDetail,
  type RequestEvent,
} from '../../department-api';
import { formatDateTime } from '../../format';
import { notifySuccess } from '../../notify';
import { queryKeys } from '../../query-keys';
import {
  RequestDue,
  RequestStatusBadge,
  isOpenRequest,
  isStale,
  requestTypeLabel,
  useDepartmentMembers,
  usePersonNames,
} from '../../requests/request-ui';
import { useCan, useMe } from '../../session';
import { formatMinutes } from '../../sla/sla-format';

const REFRESH_MS = 30_000;

export function RequestDetailPage() {
  const { id = '' } = useParams();
  const request = useQuery({
    queryKey: queryKeys.departmentRequest(id),
    queryFn: () => fetchDepartmentRequest(id),
    refetchInterval: REFRESH_MS,
  });

  return (
    <Stack gap="md">
      <Anchor component={Link} to="/requests" size="sm">
        ← All requests
      </Anchor>
      {request.isPending ? (
        <Loader />
      ) : request.isError && !request.data ? (
        <QueryError error={request.error} onRetry={() => void request.refetch()} />
      ) : (
        <RequestDetail request={request.data} />
      )}
    </Stack>
  );
}

function RequestDetail({ request }: { request: DepartmentRequestDetail }) {
  const can = useCan();
  const nameOf = usePersonNames([request.departmentId]);
  const members = useDepartmentMembers([request.departmentId]).get(request.departmentId) ?? [];
  // Department members (and managers) work the request; the front line only reads it here.
  const canWork = can('department_requests.work') && isOpenRequest(request);

  return (
    <Stack gap="md" data-testid="request-detail" data-request-id={request.id} data-status={request.status}>
      <Group justify="space-between" align="flex-start">
        <Stack gap={4}>
          <Title order={2}>
            Request #{request.number} to {request.departmentName}
          </Title>
          <Group gap="sm">
            <RequestStatusBadge status={request.status} />
            <RequestDue {...request} />
            {request.escalatedAt && (
              <Badge color="red" variant="outline">
                Escalated
              </Badge>
            )}
          </Group>
        </Stack>
      </Group>

      <Grid gap="lg">
        <Grid.Col span={{ base: 12, md: 8 }}>
          <Stack gap="md">
            <QuestionCard request={request} />
            <Outcome request={request} />
            <SharedCase request={request} />
            <Paper withBorder p="md">
              <Title order={4} size="h5" mb="sm">
                History
              </Title>
              <History events={request.events} nameOf={nameOf} />
            </Paper>
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 4 }}>
          <Stack gap="md">
            <Facts request={request} nameOf={nameOf} />
            {canWork && <RequestActions request={request} members={members} />}
          </Stack>
        </Grid.Col>
      </Grid>
    </Stack>
  );
}

function QuestionCard({ request }: { request: DepartmentRequestDetail }) {
  const waiting = request.status === 'clarification_requested' ? lastEvent(request.events, 'clarification_requested') : undefined;
  return (
    <Paper withBorder p="md">
      <Text size="xs" c="dimmed" tt="uppercase" fw={600} mb={4}>
        Question
      </Text>
      <Text style={{ whiteSpace: 'pre-wrap' }} data-testid="request-question">
        {request.question}
      </Text>
      {request.expectedAnswer && (
        <Text size="sm" mt="sm">
          <Text span c="dimmed" size="sm">
            Expected answer:
          </Text>{' '}
          {request.expectedAnswer}
        </Text>
      )}
      {waiting && (
        <Alert color="orange" mt="md" title="Waiting for the front line's clarification">
          <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
            {waiting.body}
          </Text>
        </Alert>
      )}
    </Paper>
  );
}

function Outcome({ request }: { request: DepartmentRequest }) {
  if (request.status === 'answered' && request.answer) {
    return (
      <Alert color="teal" title="Answer" data-testid="request-answer">
        <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
          {request.answer}
        </Text>
      </Alert>
    );
  }
  if (request.status === 'declined') {
    return (
      <Alert color="red" title="Declined" data-testid="request-decline">
        <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
          {request.declineReason}
        </Text>
      </Alert>
    );
  }
  if (request.status === 'cancelled') {
    return (
      <Alert color="gray" title="Cancelled">
        The front line withdrew this request.
      </Alert>
    );
  }
  return null;
}

const MESSAGE_KIND_LABELS: Record<string, string> = { customer: 'Customer', reply: 'Reply', note: 'Internal note' };

/** What the case shares: the department never sees more, and gets no link to a case page it cannot open. */
function SharedCase({ request }: { request: DepartmentRequestDetail }) {
  const can = useCan();
  const canSeeCases = can('cases.work') || can('cases.read_all');
  const c = request.case;
  return (
    <Paper withBorder p="md" data-testid="shared-case">
      <Group justify="space-between" mb="xs">
        <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
          From the case
        </Text>
        {canSeeCases && (
          <Anchor component={Link} to={`/cases/${c.caseId}`} size="sm" data-testid="request-case-link">
            Open case #{c.number}
          </Anchor>
        )}
      </Group>
      <Text fw={600}>
        Case #{c.number}: {c.subject}
      </Text>
      <Text size="sm" c="dimmed">
        Customer: {c.requesterName || 'Unnamed customer'} · case status {c.status.replace(/_/g, ' ')}
      </Text>
      <Text size="sm" fw={600} mt="md" mb={6}>
        Shared messages
      </Text>
      {c.messages.length === 0 ? (
        <Text size="sm" c="dimmed">
          No messages were shared with the department.
        </Text>
      ) : (
        <Stack gap="xs">
          {c.messages.map((message) => (
            <Paper key={message.id} withBorder p="sm" bg="var(--mantine-color-default-hover)" data-testid="shared-message">
              <Group justify="space-between" mb={4}>
                <Badge size="xs" variant="light" color={message.kind === 'note' ? 'yellow' : message.kind === 'reply' ? 'blue' : 'gray'}>
                  {MESSAGE_KIND_LABELS[message.kind] ?? message.kind}
                </Badge>
                <RelativeTime iso={message.createdAt} size="xs" c="dimmed" />
              </Group>
              <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
                {message.bodyText}
              </Text>
            </Paper>
          ))}
        </Stack>
      )}
    </Paper>
  );
}

function Facts({ request, nameOf }: { request: DepartmentRequest; nameOf: (id: string | null) => string | undefined }) {
  const rows: [string, string][] = [
    ['Type', requestTypeLabel(request.requestType)],
    ['Asked', formatDateTime(request.createdAt)],
    ['Due', formatDateTime(request.dueAt)],
    ['Internal target', `${formatMinutes(request.olaMinutes)}${request.olaBusinessHours ? ' (business hours)' : ''}`],
    ['Assignee', request.assigneeId ? (nameOf(request.assigneeId) ?? 'A colleague') : 'Unassigned'],
  ];
  if (request.firstResponseAt) rows.push(['First response', formatDateTime(request.firstResponseAt)]);
  if (request.completedAt) rows.push(['Completed', formatDateTime(request.completedAt)]);
  return (
    <Paper withBorder p="md">
      <Stack gap={6}>
        {rows.map(([label, value]) => (
          <Group key={label} justify="space-between" wrap="nowrap" gap="sm">
            <Text size="sm" c="dimmed">
              {label}
            </Text>
            <Text size="sm" ta="right" data-testid={label === 'Assignee' ? 'request-assignee' : undefined}>
              {value}
            </Text>
          </Group>
        ))}
      </Stack>
    </Paper>
  );
}

function lastEvent(events: RequestEvent[], kind: string): RequestEvent | undefined {
  return [...events].reverse().find((e) => e.kind === kind);
}

function describeRequestEvent(event: RequestEvent, nameOf: (id: string | null) => string | undefined): string {
  // Department members are always named; someone else the viewer cannot look up is the case side.
  const who = event.actorId ? (nameOf(event.actorId) ?? 'The front line') : 'Frontline';
  switch (event.kind) {
    case 'created':
      return `${who} asked the department`;
    case 'clarification_requested':
      return `${who} asked for clarification`;
    case 'clarified':
      return `${who} clarified`;
    case 'assigned': {
      const to = typeof event.data.to === 'string' ? event.data.to : null;
      if (!to) return `${who} put the request back in the department queue`;
      if (to === event.actorId) return `${who} took the request`;
      return `${who} assigned the request to ${nameOf(to) ?? 'a colleague'}`;
    }
    case 'answered':
      return `${who} answered`;
    case 'declined':
      return `${who} declined the request`;
    case 'cancelled':
      return `${who} cancelled the request`;
    case 'reminded':
      return 'Frontline reminded the department: 75% of the internal target is used';
    case 'escalated':
      return 'Frontline escalated the request to the department head: it is past due';
    default:
      return `${who}: ${event.kind.replace(/_/g, ' ')}`;
  }
}

function History({ events, nameOf }: { events: RequestEvent[]; nameOf: (id: string | null) => string | undefined }) {
  if (events.length === 0) return <Text c="dimmed">Nothing yet.</Text>;
  return (
    <Timeline bulletSize={10} lineWidth={2} data-testid="request-history">
      {events.map((event, index) => (
        <Timeline.Item key={`${event.at}-${index}`} title={<Text size="sm">{describeRequestEvent(event, nameOf)}</Text>}>
          {event.body && event.kind !== 'created' && (
            <Text size="sm" c="dimmed" style={{ whiteSpace: 'pre-wrap' }} lineClamp={6}>
              {event.body}
            </Text>
          )}
          <RelativeTime iso={event.at} size="xs" c="dimmed" />
        </Timeline.Item>
      ))}
    </Timeline>
  );
}

// --- the department's actions ---------------------------------------------------------------

/** A request action with the version on screen; refreshes the request, queues and its case after. */
function useRequestAction<V>(request: DepartmentRequest, run: (id: string, version: number, value: V) => Promise<DepartmentRequest>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (value: V) => run(request.id, request.version, value),
    onSuccess: (updated) => {
      queryClient.setQueryData<DepartmentRequestDetail>(queryKeys.departmentRequest(updated.id), (old) =>
        old ? { ...old, ...updated } : old,
      );
      void queryClient.invalidateQueries({ queryKey: queryKeys.departmentRequests });
      void queryClient.invalidateQueries({ queryKey: queryKeys.caseDepartmentRequests(updated.caseId) });
    },
  });
}

/** The API's error; for a 409 (someone changed the request first) a way to reload it. */
function ActionError({ error, requestId, onReload }: { error: unknown; requestId: string; onReload: () => void }) {
  const queryClient = useQueryClient();
  if (!error) return null;
  if (isStale(error)) {
    return (
      <Alert color="orange" role="alert" title="This request changed" data-testid="request-stale">
        <Stack gap="xs">
          <Text size="sm">
            Someone changed it since you opened it ({error instanceof Error ? error.message : 'conflict'}). Reload it to see its current
            state, then try again.
          </Text>
          <Group>
            <Button
              size="xs"
              variant="white"
              color="orange"
              onClick={() => {
                void queryClient.invalidateQueries({ queryKey: queryKeys.departmentRequest(requestId) });
                onReload();
              }}
            >
              Reload
            </Button>
          </Group>
        </Stack>
      </Alert>
    );
  }
  return <FormError error={error} />;
}

function RequestActions({ request, members }: { request: DepartmentRequestDetail; members: GroupMember[] }) {
  const [tab, setTab] = useState<string>('answer');
  return (
    <Paper withBorder p="md" data-testid="request-actions">
      <Stack gap="md">
        {/* Keyed by version: after any change (or a reload) it starts from the request as it is now. */}
        <AssignForm key={request.version} request={request} members={members} />
        <Tabs value={tab} onChange={(value) => setTab(value ?? 'answer')}>
          <Tabs.List grow>
            <Tabs.Tab value="answer">Answer</Tabs.Tab>
            <Tabs.Tab value="clarify" disabled={request.status !== 'open'}>
              Ask back
            </Tabs.Tab>
            <Tabs.Tab value="decline" color="red">
              Decline
            </Tabs.Tab>
          </Tabs.List>
          <Tabs.Panel value="answer" pt="sm">
            <TextAction
              request={request}
              run={answerRequest}
              label="Your answer"
              placeholder="Your answer; it is added to the case as an internal note."
              submitLabel="Send answer"
              done="Answer sent: it is on the case as an internal note."
            />
          </Tabs.Panel>
          <Tabs.Panel value="clarify" pt="sm">
            <TextAction
              request={request}
              run={askClarification}
              label="Your question"
              placeholder="What do you need to know? The request waits for the front line's reply."
              submitLabel="Ask for clarification"
              done="Question sent to the front line."
            />
          </Tabs.Panel>
          <Tabs.Panel value="decline" pt="sm">
            <TextAction
              request={request}
              run={declineRequest}
              label="Reason for declining"
              placeholder="Why the department cannot help (the front line sees this)."
              submitLabel="Decline request"
              color="red"
              done="Request declined."
            />
          </Tabs.Panel>
        </Tabs>
      </Stack>
    </Paper>
  );
}

type TextActionProps = {
  request: DepartmentRequestDetail;
  run: (id: string, version: number, text: string) => Promise<DepartmentRequest>;
  label: string;
  placeholder: string;
  submitLabel: string;
  done: string;
  color?: string;
};

function TextAction({ request, run, label, placeholder, submitLabel, done, color }: TextActionProps) {
  const [text, setText] = useState('');
  const action = useRequestAction(request, run);

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!text.trim()) return;
    action.mutate(text.trim(), {
      onSuccess: () => {
        setText('');
        notifySuccess(done);
      },
    });
  }

  return (
    <form onSubmit={handleSubmit}>
      <Stack gap="sm">
        <Textarea
          label={label}
          placeholder={placeholder}
          autosize
          minRows={4}
          maxRows={14}
          value={text}
          onChange={(event) => setText(event.currentTarget.value)}
          required
        />
        <ActionError error={action.error} requestId={request.id} onReload={() => action.reset()} />
        <Group justify="flex-end">
          <Button type="submit" color={color} loading={action.isPending} disabled={!text.trim()}>
            {submitLabel}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function AssignForm({ request, members }: { request: DepartmentRequestDetail; members: GroupMember[] }) {
  const { user } = useMe();
  const [assigneeId, setAssigneeId] = useState<string | null>(request.assigneeId);
  const assign = useRequestAction(request, assignRequest);
  const isMember = members.some((m) => m.userId === user.id);
  const options = [
    { value: '', label: 'Unassigned (department queue)' },
    ...members.map((m) => ({ value: m.userId, label: m.userId === user.id ? `${m.name} (you)` : m.name })),
  ];
  const chosen = assigneeId ?? '';
  const save = (id: string | null) =>
    assign.mutate(id, {
      onSuccess: () => {
        setAssigneeId(id);
        notifySuccess(id ? 'Request assigned.' : 'Request back in the department queue.');
      },
    });

  return (
    <Stack gap="xs">
      <Group align="flex-end" gap="xs" wrap="nowrap">
        <Select
          label="Assignee"
          data={options}
          value={chosen}
          onChange={(value) => setAssigneeId(value || null)}
          allowDeselect={false}
          style={{ flex: 1 }}
          data-testid="request-assignee-select"
        />
        <Button
          variant="default"
          onClick={() => save(assigneeId)}
          loading={assign.isPending}
          disabled={(assigneeId ?? null) === (request.assigneeId ?? null)}
        >
          Assign
        </Button>
      </Group>
      {isMember && request.assigneeId !== user.id && (
        <Button size="xs" variant="light" onClick={() => save(user.id)} loading={assign.isPending}>
          Assign to me
        </Button>
      )}
      <ActionError error={assign.error} requestId={request.id} onReload={() => assign.reset()} />
    </Stack>
  );
}
