// The case's questions to other departments: each request with its status and due time (red once
// late), the department's answer or reason when done, a reply box when the department asked back,
// a way to withdraw it, and "Ask a department" — choosing which of the case's messages to share.
import {
  Alert,
  Anchor,
  Autocomplete,
  Button,
  Checkbox,
  Group,
  Loader,
  Modal,
  Paper,
  ScrollArea,
  Select,
  Stack,
  Text,
  TextInput,
  Textarea,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { describeError } from '../../api';
import type { CaseView, MessageView } from '../../api-types';
import { fetchCaseMessages } from '../../case-api';
import { ConfirmModal } from '../../components/ConfirmModal';
import { FormError } from '../../components/FormError';
import {
  cancelRequest,
  clarifyRequest,
  createDepartmentRequest,
  fetchDepartmentRequest,
  fetchDepartmentService,
  listCaseDepartmentRequests,
  type DepartmentRequest,
  type NewDepartmentRequest,
} from '../../department-api';
import { formatDateTime } from '../../format';
import { notifyError, notifySuccess } from '../../notify';
import { queryKeys } from '../../query-keys';
import { RequestDue, RequestStatusBadge, isOpenRequest, isStale, useDepartments } from '../../requests/request-ui';
import { useCan } from '../../session';

/** Due times turn late with time, not only with changes: read the list again this often. */
const REFRESH_MS = 60_000;
const REQUEST_TYPE = /^[a-z][a-z0-9_]{0,49}$/;

/** After a change from this case: its requests, its log, its clocks (open requests may pause them) and the queues. */
function refreshAfterChange(queryClient: QueryClient, caseId: string): void {
  void queryClient.invalidateQueries({ queryKey: queryKeys.caseDepartmentRequests(caseId) });
  void queryClient.invalidateQueries({ queryKey: queryKeys.caseEvents(caseId) });
  void queryClient.invalidateQueries({ queryKey: queryKeys.caseSla(caseId) });
  void queryClient.invalidateQueries({ queryKey: queryKeys.caseMessages(caseId) });
  void queryClient.invalidateQueries({ queryKey: queryKeys.departmentRequests });
}

function showActionError(queryClient: QueryClient, caseId: string, error: unknown): void {
  if (isStale(error)) {
    notifications.show({
      color: 'orange',
      title: 'This request changed — reloaded',
      message: `${describeError(error)}. Check its current state and try again.`,
    });
    refreshAfterChange(queryClient, caseId);
    return;
  }
  notifyError(error);
}

export function CaseDepartmentsSection({ caseView }: { caseView: CaseView }) {
  const can = useCan();
  const canWork = can('cases.work') && caseView.status !== 'closed';
  const [asking, setAsking] = useState(false);
  const requests = useQuery({
    queryKey: queryKeys.caseDepartmentRequests(caseView.id),
    queryFn: () => listCaseDepartmentRequests(caseView.id),
    refetchInterval: REFRESH_MS,
  });

  let content;
  if (requests.isPending) content = <Loader size="xs" />;
  else if (requests.isError && !requests.data)
    content = (
      <Text size="xs" c="dimmed">
        Requests unavailable: {describeError(requests.error)}
      </Text>
    );
  else if (requests.data.length === 0)
    content = (
      <Text size="sm" c="dimmed">
        No department has been asked about this case.
      </Text>
    );
  else
    content = (
      <Stack gap="xs">
        {[...requests.data].reverse().map((request) => (
          <RequestItem key={request.id} request={request} canWork={canWork} />
        ))}
      </Stack>
    );

  return (
    <section aria-label="Departments" data-testid="case-departments">
      <Group justify="space-between" mb={6} wrap="nowrap">
        <Title order={4} size="sm" tt="uppercase" c="dimmed">
          Departments
        </Title>
        {canWork && (
          <Button size="compact-xs" variant="light" onClick={() => setAsking(true)}>
            Ask a department
          </Button>
        )}
      </Group>
      {content}
      <Modal opened={asking} onClose={() => setAsking(false)} title="Ask a department" size="lg">
        {asking && <AskDepartmentForm caseView={caseView} onDone={() => setAsking(false)} />}
      </Modal>
    </section>
  );
}

function RequestItem({ request, canWork }: { request: DepartmentRequest; canWork: boolean }) {
  const queryClient = useQueryClient();
  const [confirmCancel, setConfirmCancel] = useState(false);
  const cancel = useMutation({
    mutationFn: () => cancelRequest(request.id, request.version),
    onSuccess: () => {
      refreshAfterChange(queryClient, request.caseId);
      notifySuccess(`Request #${request.number} cancelled.`);
      setConfirmCancel(false);
    },
  });
  const open = isOpenRequest(request);

  return (
    <Paper
      withBorder
      p="xs"
      data-testid="case-department-request"
      data-request-id={request.id}
      data-status={request.status}
      data-department={request.departmentName}
    >
      <Stack gap={4}>
        <Group justify="space-between" gap="xs" wrap="nowrap">
          <Anchor component={Link} to={`/requests/${request.id}`} size="sm" fw={600} truncate>
            #{request.number} {request.departmentName}
          </Anchor>
          <RequestStatusBadge status={request.status} />
        </Group>
        <Text size="xs" lineClamp={2} title={request.question}>
          {request.question}
        </Text>
        <RequestDue {...request} size="xs" />
        {request.status === 'answered' && request.answer && (
          <Text size="xs" c="dimmed" lineClamp={3} style={{ whiteSpace: 'pre-wrap' }} data-testid="case-request-answer">
            Answer: {request.answer}
          </Text>
        )}
        {request.status === 'declined' && (
          <Text size="xs" c="red" lineClamp={3} data-testid="case-request-decline">
            Declined: {request.declineReason}
          </Text>
        )}
        {request.status === 'clarification_requested' && <ClarifyBox request={request} canWork={canWork} />}
        {open && canWork && (
          <Group gap="xs" justify="flex-end">
            <Button size="compact-xs" variant="subtle" color="red" onClick={() => setConfirmCancel(true)}>
              Cancel request
            </Button>
          </Group>
        )}
      </Stack>
      <ConfirmModal
        opened={confirmCancel}
        title="Cancel the request"
        confirmLabel="Cancel request"
        loading={cancel.isPending}
        error={cancel.error}
        onConfirm={() => cancel.mutate()}
        onClose={() => {
          if (isStale(cancel.error)) refreshAfterChange(queryClient, request.caseId);
          cancel.reset();
          setConfirmCancel(false);
        }}
      >
        Withdraw request #{request.number} to {request.departmentName}? The department stops working on it.
      </ConfirmModal>
    </Paper>
  );
}

/** The department asked back: its question (from the request's history) and the reply box. */
function ClarifyBox({ request, canWork }: { request: DepartmentRequest; canWork: boolean }) {
  const queryClient = useQueryClient();
  const [body, setBody] = useState('');
  const detail = useQuery({
    queryKey: queryKeys.departmentRequest(request.id),
    queryFn: () => fetchDepartmentRequest(request.id),
  });
  const question = detail.data ? [...detail.data.events].reverse().find((e) => e.kind === 'clarification_requested')?.body : undefined;
  const clarify = useMutation({
    mutationFn: (text: string) => clarifyRequest(request.id, request.version, text),
    onSuccess: () => {
      setBody('');
      refreshAfterChange(queryClient, request.caseId);
      notifySuccess(`Clarification sent to ${request.departmentName}.`);
    },
    onError: (error) => showActionError(queryClient, request.caseId, error),
  });

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (body.trim()) clarify.mutate(body.trim());
  }

  return (
    <Alert color="orange" p="xs" title={`${request.departmentName} asks`} data-testid="case-request-clarification">
      <Stack gap={6}>
        {detail.isPending ? (
          <Loader size="xs" />
        ) : (
          <Text size="xs" style={{ whiteSpace: 'pre-wrap' }}>
            {question ?? (detail.isError ? `Their question could not be loaded: ${describeError(detail.error)}` : '—')}
          </Text>
        )}
        {canWork && (
          <form onSubmit={handleSubmit}>
            <Stack gap={6}>
              <Textarea
                size="xs"
                placeholder="Your reply to the department"
                aria-label={`Reply to ${request.departmentName}`}
                autosize
                minRows={2}
                value={body}
                onChange={(event) => setBody(event.currentTarget.value)}
              />
              <Group justify="flex-end">
                <Button type="submit" size="compact-xs" loading={clarify.isPending} disabled={!body.trim()}>
                  Send clarification
                </Button>
              </Group>
            </Stack>
          </form>
        )}
      </Stack>
    </Alert>
  );
}

// --- asking ---------------------------------------------------------------------------------

const KIND_LABELS: Record<MessageView['kind'], string> = { customer: 'Customer', reply: 'Reply', note: 'Internal note' };

function messageLabel(message: MessageView, caseView: CaseView): string {
  const author = message.author;
  const who =
    author.type === 'system'
      ? 'Frontline'
      : (author.name ?? (author.type === 'customer' ? caseView.requester.name || 'Customer' : 'A colleague'));
  return `${KIND_LABELS[message.kind]} · ${who} · ${formatDateTime(message.createdAt)}`;
}

function AskDepartmentForm({ caseView, onDone }: { caseView: CaseView; onDone: () => void }) {
  const queryClient = useQueryClient();
  const departments = useDepartments();
  const messages = useQuery({ queryKey: queryKeys.caseMessages(caseView.id), queryFn: () => fetchCaseMessages(caseView.id) });
  const [departmentId, setDepartmentId] = useState<string | null>(null);
  const [requestType, setRequestType] = useState('');
  const [question, setQuestion] = useState('');
  const [expectedAnswer, setExpectedAnswer] = useState('');
  const [shared, setShared] = useState<string[]>([]);
  // The department's request types with their own target, offered as suggestions.
  const service = useQuery({
    queryKey: queryKeys.departmentService(departmentId ?? ''),
    queryFn: () => fetchDepartmentService(departmentId ?? ''),
    enabled: departmentId !== null,
    retry: false,
  });
  const typeSuggestions = (service.data?.olas ?? []).map((o) => o.requestType).filter((t) => t !== '*');

  const ask = useMutation({
    mutationFn: (input: NewDepartmentRequest) => createDepartmentRequest(caseView.id, input),
    onSuccess: (created) => {
      refreshAfterChange(queryClient, caseView.id);
      notifySuccess(`Asked ${created.departmentName} (request #${created.number}), due ${formatDateTime(created.dueAt)}.`);
      onDone();
    },
  });

  const typeValue = requestType.trim();
  const typeError = typeValue && !REQUEST_TYPE.test(typeValue) ? 'Lower-case letters, digits and _, starting with a letter' : undefined;

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!departmentId || !question.trim() || typeError) return;
    ask.mutate({
      departmentId,
      requestType: typeValue || undefined,
      question: question.trim(),
      expectedAnswer: expectedAnswer.trim() || undefined,
      sharedMessageIds: shared,
    });
  }

  return (
    <form onSubmit={handleSubmit} data-testid="ask-department-form">
      <Stack>
        <Select
          label="Department"
          placeholder={departments.isPending ? 'Loading departments…' : 'Choose a department'}
          data={(departments.data ?? []).map((d) => ({ value: d.id, label: d.name }))}
          value={departmentId}
          onChange={setDepartmentId}
          searchable
          required
          nothingFoundMessage={departments.isError ? 'Could not load departments' : 'No departments yet'}
          data-autofocus
        />
        <Autocomplete
          label="Request type"
          description="Optional; decides the internal target. Without one the department's default applies."
          placeholder="e.g. refund_approval"
          data={typeSuggestions}
          value={requestType}
          onChange={setRequestType}
          error={typeError}
        />
        <Textarea
          label="Question"
          placeholder="What do you need from the department?"
          autosize
          minRows={3}
          maxRows={10}
          required
          value={question}
          onChange={(event) => setQuestion(event.currentTarget.value)}
        />
        <TextInput
          label="Expected answer"
          description="Optional: what a useful answer looks like (a yes/no, an amount, a tracking number…)."
          value={expectedAnswer}
          onChange={(event) => setExpectedAnswer(event.currentTarget.value)}
        />
        <div>
          <Text size="sm" fw={500}>
            Messages to share
          </Text>
          <Text size="xs" c="dimmed" mb={6}>
            The department sees the case number, subject and customer name, and only the messages you tick.
          </Text>
          {messages.isPending ? (
            <Loader size="xs" />
          ) : messages.isError && !messages.data ? (
            <Text size="xs" c="dimmed">
              Messages unavailable: {describeError(messages.error)}
            </Text>
          ) : messages.data.length === 0 ? (
            <Text size="sm" c="dimmed">
              The case has no messages.
            </Text>
          ) : (
            <ScrollArea.Autosize mah={260} type="auto">
              <Checkbox.Group value={shared} onChange={setShared} aria-label="Messages to share">
                <Stack gap="xs" data-testid="share-messages">
                  {messages.data.map((message) => (
                    <Checkbox
                      key={message.id}
                      value={message.id}
                      label={messageLabel(message, caseView)}
                      description={message.bodyText.length > 160 ? `${message.bodyText.slice(0, 160)}…` : message.bodyText}
                      data-testid="share-message"
                    />
                  ))}
                </Stack>
              </Checkbox.Group>
            </ScrollArea.Autosize>
          )}
        </div>
        <FormError error={ask.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={ask.isPending} disabled={!departmentId || !question.trim() || Boolean(typeError)}>
            Send request
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
