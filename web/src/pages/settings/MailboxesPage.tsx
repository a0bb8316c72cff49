// Settings → Channels → Mailboxes (channels.manage): the addresses customers write to. Mail comes
// in either by IMAP polling (Frontline fetches the folder's unseen messages) or from a relay that
// posts each raw message to the mailbox's inbound URL with its secret; the secret is shown once,
// when the mailbox is created or its secret rotated. Replies go out through the mailbox's SMTP
// server. Each row shows the health of its sending and polling (from channel health). Mail a
// mailbox kept without a case (automated mail matching none, loops from our own addresses) is
// listed per mailbox.
import {
  Alert,
  Badge,
  Button,
  Code,
  CopyButton,
  Drawer,
  Group,
  Loader,
  Modal,
  NumberInput,
  Paper,
  PasswordInput,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTeams } from '../../cases/lookups';
import { FormError } from '../../components/FormError';
import { PageHeader } from '../../components/PageHeader';
import { QueryError } from '../../components/QueryError';
import { formatDateTime, formatRelative } from '../../format';
import {
  createMailbox,
  inboundUrl,
  listChannelHealth,
  listIgnoredMail,
  listMailboxes,
  rotateMailboxSecret,
  updateMailbox,
  type ChannelHealth,
  type IgnoredMail,
  type ImapSettingsInput,
  type Mailbox,
  type MailboxInput,
  type MailboxWithSecret,
  type SmtpSettingsInput,
} from '../../mailbox-api';
import { notifySuccess } from '../../notify';
import { queryKeys } from '../../query-keys';
import { useCan } from '../../session';

/** The modal shown: a new mailbox, or editing one. A fresh key per opening forgets old secrets. */
type Editing = { mailbox: Mailbox | null; key: number };

export function MailboxesPage() {
  const can = useCan();
  const canManage = can('channels.manage');
  const mailboxes = useQuery({ queryKey: queryKeys.mailboxes, queryFn: listMailboxes, enabled: canManage });
  const health = useQuery({ queryKey: queryKeys.channelHealth, queryFn: listChannelHealth, enabled: canManage, refetchInterval: 30_000 });
  const healthOf = (id: string) => health.data?.find((h) => h.kind === 'mailbox' && h.id === id);
  const [editing, setEditing] = useState<Editing | null>(null);
  const [editOpen, setEditOpen] = useState(false);
  const [rotating, setRotating] = useState<Editing | null>(null);
  const [rotateOpen, setRotateOpen] = useState(false);
  const [ignoredOf, setIgnoredOf] = useState<Mailbox | null>(null);

  const openEditor = (mailbox: Mailbox | null) => {
    setEditing({ mailbox, key: Date.now() });
    setEditOpen(true);
  };
  const openRotate = (mailbox: Mailbox) => {
    setRotating({ mailbox, key: Date.now() });
    setRotateOpen(true);
  };

  return (
    <Stack>
      <PageHeader
        order={3}
        title="Mailboxes"
        description={
          <>
            Customers write to these addresses. Frontline fetches their mail from the mailbox&apos;s IMAP folder, or the mail server or
            relay that receives it posts each raw message to the mailbox&apos;s inbound URL as <Code>message/rfc822</Code> with{' '}
            <Code>Authorization: Bearer &lt;inbound secret&gt;</Code>; either way it is threaded into the right case once. Replies go out
            through the mailbox&apos;s SMTP server.
          </>
        }
        actions={canManage && <Button onClick={() => openEditor(null)}>New mailbox</Button>}
      />
      {!canManage ? (
        <Alert color="gray">Only administrators and managers can see and change mailboxes.</Alert>
      ) : mailboxes.isPending ? (
        <Loader />
      ) : mailboxes.isError ? (
        <QueryError error={mailboxes.error} onRetry={() => void mailboxes.refetch()} />
      ) : (
        <MailboxTable mailboxes={mailboxes.data} healthOf={healthOf} onEdit={openEditor} onRotate={openRotate} onIgnored={setIgnoredOf} />
      )}
      <Modal
        opened={editOpen}
        onClose={() => setEditOpen(false)}
        title={editing?.mailbox ? `Edit ${editing.mailbox.name}` : 'New mailbox'}
        size="lg"
        // A stray click outside must not lose a secret not yet copied.
        closeOnClickOutside={false}
      >
        {editing && (
          <MailboxForm
            key={editing.key}
            mailbox={editing.mailbox}
            health={editing.mailbox ? healthOf(editing.mailbox.id) : undefined}
            onDone={() => setEditOpen(false)}
          />
        )}
      </Modal>
      <Modal
        opened={rotateOpen}
        onClose={() => setRotateOpen(false)}
        title={rotating?.mailbox ? `Rotate the secret of ${rotating.mailbox.name}` : 'Rotate secret'}
        size="lg"
        closeOnClickOutside={false}
      >
        {rotating?.mailbox && <RotateSecret key={rotating.key} mailbox={rotating.mailbox} onDone={() => setRotateOpen(false)} />}
      </Modal>
      <Drawer
        opened={ignoredOf !== null}
        onClose={() => setIgnoredOf(null)}
        position="right"
        size="xl"
        title={ignoredOf ? `Ignored mail · ${ignoredOf.name}` : 'Ignored mail'}
      >
        {ignoredOf && <IgnoredMailList mailbox={ignoredOf} />}
      </Drawer>
    </Stack>
  );
}

type TableProps = {
  mailboxes: Mailbox[];
  healthOf: (id: string) => ChannelHealth | undefined;
  onEdit: (mailbox: Mailbox) => void;
  onRotate: (mailbox: Mailbox) => void;
  onIgnored: (mailbox: Mailbox) => void;
};

/** Sending: the SMTP server and how its sends fare. */
function SendingCell({ mailbox, health }: { mailbox: Mailbox; health: ChannelHealth | undefined }) {
  if (!mailbox.smtp)
    return (
      <Text span size="sm" c="dimmed">
        Not set up
      </Text>
    );
  return (
    <Stack gap={2} data-testid="mailbox-sending">
      <Text size="sm">
        {mailbox.smtp.host}:{mailbox.smtp.port}
      </Text>
      {health && health.consecutiveErrors > 0 ? (
        <Text size="xs" c="red" title={health.lastError ?? undefined}>
          {health.consecutiveErrors} failed {health.consecutiveErrors === 1 ? 'send' : 'sends in a row'}
        </Text>
      ) : (
        <Text size="xs" c="dimmed">
          {health?.lastSendOkAt ? `last sent ${formatRelative(health.lastSendOkAt)}` : 'nothing sent yet'}
        </Text>
      )}
    </Stack>
  );
}

/** IMAP polling: off, or the folder and how its polls fare. */
function PollingCell({ mailbox, health }: { mailbox: Mailbox; health: ChannelHealth | undefined }) {
  if (!mailbox.imap || !mailbox.imap.enabled)
    return (
      <Text span size="sm" c="dimmed" data-testid="mailbox-polling">
        {mailbox.imap ? 'Switched off' : 'Not set up'}
      </Text>
    );
  const failing = (health?.consecutivePollErrors ?? 0) > 0;
  return (
    <Stack gap={2} data-testid="mailbox-polling">
      <Text size="sm">
        {mailbox.imap.host} · {mailbox.imap.folder}
      </Text>
      {failing ? (
        <Text size="xs" c="red" title={health?.lastPollError ?? undefined}>
          {health!.consecutivePollErrors} failed {health!.consecutivePollErrors === 1 ? 'poll' : 'polls in a row'}
        </Text>
      ) : (
        <Text size="xs" c="dimmed">
          {health?.lastPollOkAt ? `last good poll ${formatRelative(health.lastPollOkAt)}` : 'not polled yet'}
        </Text>
      )}
    </Stack>
  );
}

function MailboxTable({ mailboxes, healthOf, onEdit, onRotate, onIgnored }: TableProps) {
  if (mailboxes.length === 0) {
    return (
      <Text c="dimmed" data-testid="mailboxes-empty">
        No mailboxes yet. Create one for each address customers write to.
      </Text>
    );
  }
  return (
    <Table.ScrollContainer minWidth={1100}>
      <Table verticalSpacing="sm" aria-label="Mailboxes">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Name</Table.Th>
            <Table.Th>Address</Table.Th>
            <Table.Th>New cases go to</Table.Th>
            <Table.Th>Sending (SMTP)</Table.Th>
            <Table.Th>Polling (IMAP)</Table.Th>
            <Table.Th>Secret</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th aria-label="Actions" />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {mailboxes.map((mailbox) => (
            <Table.Tr key={mailbox.id} data-testid="mailbox-row" data-mailbox-id={mailbox.id} opacity={mailbox.active ? 1 : 0.6}>
              <Table.Td fw={500}>{mailbox.name}</Table.Td>
              <Table.Td>{mailbox.address}</Table.Td>
              <Table.Td>
                {mailbox.teamName ?? (
                  <Text span size="sm" c="dimmed">
                    Unassigned pool
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                <SendingCell mailbox={mailbox} health={healthOf(mailbox.id)} />
              </Table.Td>
              <Table.Td>
                <PollingCell mailbox={mailbox} health={healthOf(mailbox.id)} />
              </Table.Td>
              <Table.Td>
                <Code>{mailbox.inboundSecretPrefix}…</Code>
              </Table.Td>
              <Table.Td>
                <Badge variant="light" color={mailbox.active ? 'teal' : 'gray'}>
                  {mailbox.active ? 'Receiving' : 'Refusing mail'}
                </Badge>
              </Table.Td>
              <Table.Td>
                <Group gap={4} justify="flex-end" wrap="nowrap">
                  <Button size="xs" variant="subtle" onClick={() => onEdit(mailbox)} aria-label={`Edit ${mailbox.name}`}>
                    Edit
                  </Button>
                  <Button size="xs" variant="subtle" onClick={() => onRotate(mailbox)} aria-label={`Rotate secret of ${mailbox.name}`}>
                    Rotate secret
                  </Button>
                  <Button size="xs" variant="subtle" onClick={() => onIgnored(mailbox)} aria-label={`Ignored mail of ${mailbox.name}`}>
                    Ignored mail
                  </Button>
                </Group>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** Host, port, TLS, user and a write-only password: the part SMTP and IMAP settings share. */
type ServerDraft = { host: string; port: number | string; secure: boolean; username: string; password: string };

function serverDraft(
  stored: { host: string; port: number; secure: boolean; username?: string } | null,
  defaults: { port: number; secure: boolean },
): ServerDraft {
  return {
    host: stored?.host ?? '',
    port: stored?.port ?? defaults.port,
    secure: stored?.secure ?? defaults.secure,
    username: stored?.username ?? '',
    password: '',
  };
}

/** As the API takes it: a blank password is left out, so the stored one is kept (same host and user). */
function serverInput(d: ServerDraft): SmtpSettingsInput {
  return {
    host: d.host.trim(),
    port: Number(d.port),
    secure: d.secure,
    ...(d.username.trim() ? { username: d.username.trim() } : {}),
    ...(d.password ? { password: d.password } : {}),
  };
}

function ServerFields({
  prefix,
  draft,
  onChange,
  hasPassword,
  usernameRequired,
  tlsPort,
}: {
  prefix: 'SMTP' | 'IMAP';
  draft: ServerDraft;
  onChange: (change: Partial<ServerDraft>) => void;
  hasPassword: boolean;
  usernameRequired: boolean;
  tlsPort: number;
}) {
  return (
    <Stack gap="xs">
      <Group align="flex-start" wrap="nowrap">
        <TextInput
          label={`${prefix} host`}
          required
          style={{ flex: 1 }}
          value={draft.host}
          onChange={(event) => onChange({ host: event.currentTarget.value })}
        />
        <NumberInput
          label={`${prefix} port`}
          required
          w={120}
          min={1}
          max={65535}
          allowDecimal={false}
          value={draft.port}
          onChange={(value) => onChange({ port: value })}
        />
      </Group>
      <Switch
        label={`${prefix}: TLS from the start`}
        description={`On for port ${tlsPort}; off: STARTTLS when the server offers it.`}
        checked={draft.secure}
        onChange={(event) => onChange({ secure: event.currentTarget.checked })}
      />
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <TextInput
          label={`${prefix} user`}
          required={usernameRequired}
          autoComplete="off"
          value={draft.username}
          onChange={(event) => onChange({ username: event.currentTarget.value })}
        />
        <PasswordInput
          label={`${prefix} password`}
          autoComplete="new-password"
          description={
            hasPassword ? 'Stored. Leave empty to keep it (while host and user stay the same).' : 'Never shown again once saved.'
          }
          placeholder={hasPassword ? '•••••••• (unchanged)' : undefined}
          value={draft.password}
          onChange={(event) => onChange({ password: event.currentTarget.value })}
        />
      </SimpleGrid>
    </Stack>
  );
}

/** How IMAP polling of an existing mailbox fares, from channel health. */
function PollHealth({ health }: { health: ChannelHealth | undefined }) {
  if (!health) return null;
  const failing = health.consecutivePollErrors > 0;
  return (
    <Alert color={failing ? 'red' : 'gray'} variant="light" data-testid="mailbox-poll-health" title="Polling so far">
      <Stack gap={2}>
        <Text size="sm">Last good poll: {health.lastPollOkAt ? formatDateTime(health.lastPollOkAt) : 'never'}</Text>
        <Text size="sm">Failed polls in a row: {health.consecutivePollErrors}</Text>
        {health.lastPollError && (
          <Text size="sm">
            Last error ({formatDateTime(health.lastPollErrorAt)}): {health.lastPollError}
          </Text>
        )}
      </Stack>
    </Alert>
  );
}

/** Creates a mailbox (then shows its secret once) or changes one, with its SMTP and IMAP servers. */
function MailboxForm({ mailbox, health, onDone }: { mailbox: Mailbox | null; health: ChannelHealth | undefined; onDone: () => void }) {
  const queryClient = useQueryClient();
  const teams = useTeams();
  const [name, setName] = useState(mailbox?.name ?? '');
  const [address, setAddress] = useState(mailbox?.address ?? '');
  const [teamId, setTeamId] = useState<string | null>(mailbox?.teamId ?? null);
  const [active, setActive] = useState(mailbox?.active ?? true);
  const [notifyStaff, setNotifyStaff] = useState(mailbox?.notifyStaff ?? false);
  const [smtpOn, setSmtpOn] = useState(mailbox?.smtp != null);
  const [smtp, setSmtp] = useState<ServerDraft>(() => serverDraft(mailbox?.smtp ?? null, { port: 587, secure: false }));
  const [imapOn, setImapOn] = useState(mailbox?.imap != null);
  const [imap, setImap] = useState<ServerDraft>(() => serverDraft(mailbox?.imap ?? null, { port: 993, secure: true }));
  const [folder, setFolder] = useState(mailbox?.imap?.folder ?? 'INBOX');
  const [polling, setPolling] = useState(mailbox?.imap?.enabled ?? true);
  const [afterProcessing, setAfterProcessing] = useState<'mark_seen' | 'move'>(mailbox?.imap?.afterProcessing ?? 'mark_seen');
  const [moveToFolder, setMoveToFolder] = useState(mailbox?.imap?.moveToFolder ?? 'Processed');
  const [created, setCreated] = useState<MailboxWithSecret | null>(null);

  const save = useMutation({
    mutationFn: async (input: MailboxInput): Promise<MailboxWithSecret | Mailbox> =>
      mailbox ? updateMailbox(mailbox.id, input) : createMailbox(input),
    onSuccess: (result) => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.mailboxes });
      void queryClient.invalidateQueries({ queryKey: queryKeys.channelHealth });
      if ('inboundSecret' in result) {
        setCreated(result);
      } else {
        notifySuccess(`Saved ${result.name}.`);
        onDone();
      }
    },
  });

  if (created) return <SecretPanel result={created} intro="The mailbox is ready." onDone={onDone} />;

  const teamOptions = (teams.data ?? []).map((t) => ({ value: t.id, label: t.name }));
  if (teamId && !teamOptions.some((o) => o.value === teamId))
    teamOptions.unshift({ value: teamId, label: mailbox?.teamName ?? 'Unknown team' });

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const imapInput: ImapSettingsInput | null = imapOn
      ? {
          ...serverInput(imap),
          username: imap.username.trim(),
          folder: folder.trim() || 'INBOX',
          enabled: polling,
          afterProcessing,
          ...(afterProcessing === 'move' ? { moveToFolder: moveToFolder.trim() } : {}),
        }
      : null;
    save.mutate({
      name: name.trim(),
      address: address.trim(),
      teamId,
      active,
      // Notifications need a server to go out through.
      notifyStaff: smtpOn && notifyStaff,
      smtp: smtpOn ? serverInput(smtp) : null,
      imap: imapInput,
    });
  }

  return (
    <form onSubmit={handleSubmit}>
      <Stack>
        <TextInput
          label="Name"
          name="name"
          description="How agents and reports call it, e.g. “Support”."
          required
          data-autofocus
          value={name}
          onChange={(event) => setName(event.currentTarget.value)}
        />
        <TextInput
          label="Address"
          name="address"
          type="email"
          description="The address customers write to, and our replies come from."
          required
          value={address}
          onChange={(event) => setAddress(event.currentTarget.value)}
        />
        <Select
          label="Team"
          description="New cases from this mailbox go to this team; none puts them in the unassigned pool."
          placeholder="Unassigned pool"
          clearable
          searchable
          data={teamOptions}
          value={teamId}
          onChange={setTeamId}
          nothingFoundMessage={teams.isPending ? 'Loading teams…' : 'No teams'}
        />
        <Switch
          label="Receiving mail"
          description="A mailbox that is not receiving refuses every delivery and is not polled."
          checked={active}
          onChange={(event) => setActive(event.currentTarget.checked)}
        />

        <Paper withBorder p="sm">
          <Stack gap="xs">
            <Title order={5}>Sending (SMTP)</Title>
            <Switch
              label="Send replies from this mailbox"
              description="Public replies on its cases, and confirmations of forms that use it, go out through this server."
              checked={smtpOn}
              onChange={(event) => setSmtpOn(event.currentTarget.checked)}
            />
            {smtpOn && (
              <>
                <ServerFields
                  prefix="SMTP"
                  draft={smtp}
                  onChange={(change) => setSmtp((d) => ({ ...d, ...change }))}
                  hasPassword={mailbox?.smtp?.hasPassword ?? false}
                  usernameRequired={false}
                  tlsPort={465}
                />
                <Switch
                  label="Send staff notifications from here"
                  description="SLA warnings, escalations and other notifications are emailed to staff from this mailbox."
                  checked={notifyStaff}
                  onChange={(event) => setNotifyStaff(event.currentTarget.checked)}
                />
              </>
            )}
          </Stack>
        </Paper>

        <Paper withBorder p="sm">
          <Stack gap="xs">
            <Title order={5}>Fetching mail (IMAP)</Title>
            <Switch
              label="Fetch mail from an IMAP folder"
              description="Instead of (or as well as) a relay posting to the inbound URL. A message is marked seen only once its case is saved."
              checked={imapOn}
              onChange={(event) => setImapOn(event.currentTarget.checked)}
            />
            {imapOn && (
              <>
                <ServerFields
                  prefix="IMAP"
                  draft={imap}
                  onChange={(change) => setImap((d) => ({ ...d, ...change }))}
                  hasPassword={mailbox?.imap?.hasPassword ?? false}
                  usernameRequired
                  tlsPort={993}
                />
                <TextInput
                  label="Folder"
                  name="imapFolder"
                  description="Its unseen messages are fetched."
                  required
                  value={folder}
                  onChange={(event) => setFolder(event.currentTarget.value)}
                />
                <div>
                  <Text size="sm" fw={500} mb={4}>
                    Once a message is stored
                  </Text>
                  <SegmentedControl
                    aria-label="Once a message is stored"
                    value={afterProcessing}
                    onChange={(value) => setAfterProcessing(value as 'mark_seen' | 'move')}
                    data={[
                      { value: 'mark_seen', label: 'Mark it seen' },
                      { value: 'move', label: 'Move it to a folder' },
                    ]}
                  />
                </div>
                {afterProcessing === 'move' && (
                  <TextInput
                    label="Move to folder"
                    name="imapMoveToFolder"
                    description="Created if missing; must differ from the polled folder."
                    required
                    value={moveToFolder}
                    onChange={(event) => setMoveToFolder(event.currentTarget.value)}
                  />
                )}
                <Switch
                  label="Polling on"
                  description="Switch off to keep the settings without fetching."
                  checked={polling}
                  onChange={(event) => setPolling(event.currentTarget.checked)}
                />
                {mailbox?.imap && <PollHealth health={health} />}
              </>
            )}
          </Stack>
        </Paper>

        <FormError error={save.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={save.isPending}>
            {mailbox ? 'Save mailbox' : 'Create mailbox'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function RotateSecret({ mailbox, onDone }: { mailbox: Mailbox; onDone: () => void }) {
  const queryClient = useQueryClient();
  const [result, setResult] = useState<MailboxWithSecret | null>(null);
  const rotate = useMutation({
    mutationFn: () => rotateMailboxSecret(mailbox.id),
    onSuccess: (answer) => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.mailboxes });
      setResult(answer);
    },
  });

  if (result) return <SecretPanel result={result} intro="The secret was replaced; the old one no longer works." onDone={onDone} />;

  return (
    <Stack>
      <Text size="sm">
        A new inbound secret replaces <Code>{mailbox.inboundSecretPrefix}…</Code> at once: deliveries with the old one are refused until the
        relay sends the new one.
      </Text>
      <FormError error={rotate.error} />
      <Group justify="flex-end">
        <Button variant="default" onClick={onDone}>
          Cancel
        </Button>
        <Button color="red" loading={rotate.isPending} onClick={() => rotate.mutate()}>
          Rotate secret
        </Button>
      </Group>
    </Stack>
  );
}

/** The inbound secret, shown this once, with the URL and a ready-made command for the relay. */
function SecretPanel({ result, intro, onDone }: { result: MailboxWithSecret; intro: string; onDone: () => void }) {
  const url = inboundUrl(result.mailbox);
  const curl = [
    `curl -sS -X POST '${url}' \\`,
    `  -H 'Authorization: Bearer ${result.inboundSecret}' \\`,
    `  -H 'Content-Type: message/rfc822' --data-binary @message.eml`,
  ].join('\n');
  return (
    <Stack data-testid="mailbox-secret-panel">
      <Alert color="yellow" title="This secret will not be shown again">
        {intro} Copy the inbound secret now and give it to the mail relay. Frontline keeps only a hash of it; if it is lost, rotate it.
      </Alert>
      <div>
        <Text size="sm" fw={500} mb={4}>
          Inbound secret
        </Text>
        <Code block data-testid="mailbox-secret" style={{ wordBreak: 'break-all', whiteSpace: 'pre-wrap' }}>
          {result.inboundSecret}
        </Code>
      </div>
      <div>
        <Text size="sm" fw={500} mb={4}>
          Inbound URL
        </Text>
        <Code block data-testid="mailbox-inbound-url" style={{ wordBreak: 'break-all', whiteSpace: 'pre-wrap' }}>
          POST {url}
        </Code>
      </div>
      <div>
        <Text size="sm" fw={500} mb={4}>
          For example
        </Text>
        <Code block style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
          {curl}
        </Code>
      </div>
      <Group justify="flex-end">
        <CopyButton value={url}>
          {({ copied, copy }) => (
            <Button variant="default" onClick={copy}>
              {copied ? 'Copied' : 'Copy URL'}
            </Button>
          )}
        </CopyButton>
        <CopyButton value={result.inboundSecret}>
          {({ copied, copy }) => (
            <Button color={copied ? 'teal' : 'blue'} variant="light" onClick={copy}>
              {copied ? 'Copied' : 'Copy secret'}
            </Button>
          )}
        </CopyButton>
        <Button onClick={onDone}>Done</Button>
      </Group>
    </Stack>
  );
}

const IGNORED_REASONS: Record<IgnoredMail['reason'], string> = {
  automated_unmatched: 'Automated, matched no case',
  own_address: 'From one of our own addresses (loop)',
};

const AUTOMATED_KINDS: Record<string, string> = { auto_reply: 'Auto-reply', bounce: 'Bounce', bulk: 'Bulk' };

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function IgnoredMailList({ mailbox }: { mailbox: Mailbox }) {
  const ignored = useQuery({ queryKey: queryKeys.mailboxIgnored(mailbox.id), queryFn: () => listIgnoredMail(mailbox.id) });
  return (
    <Stack>
      <Text size="sm" c="dimmed">
        The newest 200 messages this mailbox kept without opening a case: automated mail (auto-replies, bounces, bulk mail) that matched no
        case, and mail from our own addresses. They trigger nothing and count in no metric.
      </Text>
      {ignored.isPending ? (
        <Loader size="sm" />
      ) : ignored.isError ? (
        <QueryError error={ignored.error} onRetry={() => void ignored.refetch()} />
      ) : ignored.data.length === 0 ? (
        <Text c="dimmed" size="sm" data-testid="ignored-empty">
          Nothing ignored yet.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={640}>
          <Table verticalSpacing="xs" aria-label="Ignored mail">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Received</Table.Th>
                <Table.Th>From</Table.Th>
                <Table.Th>Subject</Table.Th>
                <Table.Th>Why</Table.Th>
                <Table.Th>Size</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {ignored.data.map((mail) => (
                <Table.Tr key={mail.id} data-testid="ignored-row">
                  <Table.Td>
                    <Text size="sm">{formatDateTime(mail.receivedAt)}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" truncate maw={200} title={mail.fromAddress ?? undefined}>
                      {mail.fromAddress ?? '—'}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" truncate maw={240} title={`Message-ID: ${mail.messageId}`}>
                      {mail.subject || '(no subject)'}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Stack gap={2}>
                      <Text size="sm">{IGNORED_REASONS[mail.reason] ?? mail.reason}</Text>
                      {mail.automatedKind && (
                        <Badge size="xs" variant="light" color="gray">
                          {AUTOMATED_KINDS[mail.automatedKind] ?? mail.automatedKind}
                        </Badge>
                      )}
                    </Stack>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{formatBytes(mail.sizeBytes)}</Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}
