// Settings → Channels → Web forms (channels.manage): the public intake forms customers fill in on
// the website. Each has its fields, the team its cases go to, the mailbox its confirmations (and
// the replies on its cases) go out from, and optionally a select field whose answer picks the
// case category. The page is public at /forms/<slug> and can be embedded with an iframe.
import {
  ActionIcon,
  Alert,
  Anchor,
  Badge,
  Button,
  Checkbox,
  Code,
  CopyButton,
  Divider,
  Group,
  Loader,
  Modal,
  Paper,
  Select,
  Stack,
  Switch,
  Table,
  TagsInput,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useCategories, useTeams } from '../../cases/lookups';
import { FormError } from '../../components/FormError';
import { PageHeader } from '../../components/PageHeader';
import { QueryError } from '../../components/QueryError';
import {
  createForm,
  defaultFields,
  embedSnippet,
  FIELD_KINDS,
  listForms,
  publicFormUrl,
  REQUIRED_KEYS,
  slugify,
  updateForm,
  type FieldKind,
  type FormField,
  type WebForm,
  type WebFormInput,
} from '../../form-api';
import { listMailboxes } from '../../mailbox-api';
import { notifySuccess } from '../../notify';
import { queryKeys } from '../../query-keys';
import { useCan } from '../../session';

const KIND_LABELS: Record<FieldKind, string> = {
  text: 'Short text',
  textarea: 'Long text',
  email: 'Email address',
  select: 'Choice (select)',
  checkbox: 'Checkbox',
};

/** The modal shown: a new form, or editing one. A fresh key per opening starts the editor afresh. */
type Editing = { form: WebForm | null; key: number };

export function FormsPage() {
  const can = useCan();
  const canManage = can('channels.manage');
  const forms = useQuery({ queryKey: queryKeys.forms, queryFn: listForms, enabled: canManage });
  const mailboxes = useQuery({ queryKey: queryKeys.mailboxes, queryFn: listMailboxes, enabled: canManage });
  const teams = useTeams();
  const [editing, setEditing] = useState<Editing | null>(null);
  const [editOpen, setEditOpen] = useState(false);
  const [embedOf, setEmbedOf] = useState<WebForm | null>(null);

  const openEditor = (form: WebForm | null) => {
    setEditing({ form, key: Date.now() });
    setEditOpen(true);
  };
  const mailboxName = (id: string | null) => (id ? (mailboxes.data?.find((m) => m.id === id)?.address ?? 'Unknown mailbox') : null);
  const teamName = (id: string | null) => (id ? (teams.data?.find((t) => t.id === id)?.name ?? 'Unknown team') : null);

  return (
    <Stack>
      <PageHeader
        order={3}
        title="Web forms"
        description={
          <>
            Public forms customers fill in on your website. Each submission opens a case and emails the customer a confirmation with the
            case number; the form&apos;s page can be linked to or embedded with an <Code>&lt;iframe&gt;</Code>.
          </>
        }
        actions={canManage && <Button onClick={() => openEditor(null)}>New form</Button>}
      />
      {!canManage ? (
        <Alert color="gray">Only administrators and managers can see and change web forms.</Alert>
      ) : forms.isPending ? (
        <Loader />
      ) : forms.isError ? (
        <QueryError error={forms.error} onRetry={() => void forms.refetch()} />
      ) : forms.data.length === 0 ? (
        <Text c="dimmed" data-testid="forms-empty">
          No web forms yet. Create one for each kind of request customers send from your website.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={860}>
          <Table verticalSpacing="sm" aria-label="Web forms">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Public page</Table.Th>
                <Table.Th>New cases go to</Table.Th>
                <Table.Th>Confirmations from</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th aria-label="Actions" />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {forms.data.map((form) => (
                <Table.Tr key={form.id} data-testid="form-row" data-form-id={form.id} opacity={form.active ? 1 : 0.6}>
                  <Table.Td fw={500}>{form.name}</Table.Td>
                  <Table.Td>
                    <Anchor href={publicFormUrl(form)} target="_blank" rel="noreferrer" size="sm">
                      /forms/{form.slug}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>
                    {teamName(form.teamId) ?? (
                      <Text span size="sm" c="dimmed">
                        Unassigned pool
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    {mailboxName(form.mailboxId) ?? (
                      <Text span size="sm" c="dimmed">
                        No confirmation email
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Badge variant="light" color={form.active ? 'teal' : 'gray'}>
                      {form.active ? 'Accepting' : 'Switched off'}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4} justify="flex-end" wrap="nowrap">
                      <Button size="xs" variant="subtle" onClick={() => openEditor(form)} aria-label={`Edit ${form.name}`}>
                        Edit
                      </Button>
                      <Button size="xs" variant="subtle" onClick={() => setEmbedOf(form)} aria-label={`Embed ${form.name}`}>
                        Embed
                      </Button>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <Modal
        opened={editOpen}
        onClose={() => setEditOpen(false)}
        title={editing?.form ? `Edit ${editing.form.name}` : 'New form'}
        size="xl"
        closeOnClickOutside={false}
      >
        {editing && (
          <FormEditor
            key={editing.key}
            form={editing.form}
            onCreated={(form) => {
              setEditOpen(false);
              setEmbedOf(form);
            }}
            onDone={() => setEditOpen(false)}
          />
        )}
      </Modal>
      <Modal opened={embedOf !== null} onClose={() => setEmbedOf(null)} title={embedOf ? `Publish ${embedOf.name}` : 'Publish'} size="lg">
        {embedOf && <EmbedPanel form={embedOf} onDone={() => setEmbedOf(null)} />}
      </Modal>
    </Stack>
  );
}

/** The public address and the snippet a website pastes, each with a copy button. */
function EmbedPanel({ form, onDone }: { form: WebForm; onDone: () => void }) {
  const url = publicFormUrl(form);
  const snippet = embedSnippet(form);
  return (
    <Stack data-testid="form-embed-panel">
      {!form.active && <Alert color="yellow">This form is switched off: its page answers “not found” until it is switched on.</Alert>}
      <div>
        <Text size="sm" fw={500} mb={4}>
          Public page
        </Text>
        <Code block data-testid="form-public-url" style={{ wordBreak: 'break-all', whiteSpace: 'pre-wrap' }}>
          {url}
        </Code>
      </div>
      <div>
        <Text size="sm" fw={500} mb={4}>
          Embed on a website
        </Text>
        <Code block data-testid="form-embed-snippet" style={{ wordBreak: 'break-all', whiteSpace: 'pre-wrap' }}>
          {snippet}
        </Code>
      </div>
      <Group justify="flex-end">
        <Button component="a" href={url} target="_blank" rel="noreferrer" variant="default">
          Open page
        </Button>
        <CopyButton value={url}>
          {({ copied, copy }) => (
            <Button variant="default" onClick={copy}>
              {copied ? 'Copied' : 'Copy URL'}
            </Button>
          )}
        </CopyButton>
        <CopyButton value={snippet}>
          {({ copied, copy }) => (
            <Button color={copied ? 'teal' : 'blue'} variant="light" onClick={copy}>
              {copied ? 'Copied' : 'Copy snippet'}
            </Button>
          )}
        </CopyButton>
        <Button onClick={onDone}>Done</Button>
      </Group>
    </Stack>
  );
}

/** A field being edited, with a stable id for React (keys may change while typing). */
type DraftField = FormField & { uid: number };

let nextUid = 1;
const withUid = (f: FormField): DraftField => ({ ...f, uid: nextUid++ });

/** "Order number" -> "order_number": a key the server accepts, from a label. */
function keyFromLabel(label: string): string {
  const key = slugify(label).replace(/-/g, '_').slice(0, 40);
  return /^[a-z]/.test(key) ? key : key ? `f_${key}`.slice(0, 40) : '';
}

function FormEditor({ form, onCreated, onDone }: { form: WebForm | null; onCreated: (form: WebForm) => void; onDone: () => void }) {
  const queryClient = useQueryClient();
  const teams = useTeams();
  const categories = useCategories();
  const mailboxes = useQuery({ queryKey: queryKeys.mailboxes, queryFn: listMailboxes });
  const [name, setName] = useState(form?.name ?? '');
  const [slug, setSlug] = useState(form?.slug ?? '');
  const [slugTouched, setSlugTouched] = useState(form !== null);
  const [active, setActive] = useState(form?.active ?? true);
  const [teamId, setTeamId] = useState<string | null>(form?.teamId ?? null);
  const [mailboxId, setMailboxId] = useState<string | null>(form?.mailboxId ?? null);
  const [confirmationText, setConfirmationText] = useState(form?.confirmationText ?? 'Thank you, we have received your message.');
  const [fields, setFields] = useState<DraftField[]>(() => (form?.fields ?? defaultFields()).map(withUid));
  // Keys typed by hand are kept; others follow the label.
  const [keyTouched, setKeyTouched] = useState<Set<number>>(() => new Set(fields.map((f) => f.uid)));
  // The email and message fields the form starts with stay: the server refuses a form without them.
  const [fixedUids] = useState<Set<number>>(
    () => new Set(fields.filter((f) => (REQUIRED_KEYS as readonly string[]).includes(f.key)).map((f) => f.uid)),
  );
  const [categoryField, setCategoryField] = useState<string | null>(form?.categoryField ?? null);
  const [categoryMap, setCategoryMap] = useState<Record<string, string>>(form?.categoryMap ?? {});

  const save = useMutation({
    mutationFn: (input: WebFormInput) => (form ? updateForm(form.id, input) : createForm(input)),
    onSuccess: (saved) => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.forms });
      // A form is a channel: the Channels page lists it.
      void queryClient.invalidateQueries({ queryKey: queryKeys.channelHealth });
      notifySuccess(`Saved ${saved.name}.`);
      if (form) onDone();
      else onCreated(saved);
    },
  });

  const setField = (uid: number, change: Partial<FormField>) =>
    setFields((all) =>
      all.map((f) => {
        if (f.uid !== uid) return f;
        const next = { ...f, ...change };
        if (change.label !== undefined && !keyTouched.has(uid)) next.key = keyFromLabel(change.label);
        if (next.kind !== 'select') delete next.options;
        else next.options ??= [];
        return next;
      }),
    );
  const moveField = (index: number, by: -1 | 1) =>
    setFields((all) => {
      const next = [...all];
      const [moved] = next.splice(index, 1);
      next.splice(index + by, 0, moved!);
      return next;
    });

  const selectFields = fields.filter((f) => f.kind === 'select' && f.key);
  const mappedField = selectFields.find((f) => f.key === categoryField) ?? null;
  const teamOptions = (teams.data ?? []).map((t) => ({ value: t.id, label: t.name }));
  const mailboxOptions = (mailboxes.data ?? []).map((m) => ({ value: m.id, label: `${m.name} <${m.address}>` }));
  const categoryOptions = (categories.data ?? []).filter((c) => c.active).map((c) => ({ value: c.id, label: c.path }));

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const cleanFields = fields.map(({ uid: _uid, ...f }) => ({
      ...f,
      key: f.key.trim(),
      label: f.label.trim(),
      ...(f.kind === 'select' ? { options: f.options ?? [] } : {}),
    }));
    const map = mappedField
      ? Object.fromEntries(Object.entries(categoryMap).filter(([option, id]) => id && mappedField.options?.includes(option)))
      : {};
    save.mutate({
      name: name.trim(),
      slug: slug.trim(),
      active,
      teamId,
      mailboxId,
      fields: cleanFields,
      categoryField: mappedField ? mappedField.key : null,
      categoryMap: map,
      confirmationText: confirmationText.trim(),
    });
  }

  return (
    <form onSubmit={handleSubmit}>
      <Stack>
        <Group grow align="flex-start">
          <TextInput
            label="Name"
            name="name"
            description="The page's heading, e.g. “Contact us”."
            required
            data-autofocus
            value={name}
            onChange={(event) => {
              const value = event.currentTarget.value;
              setName(value);
              if (!slugTouched) setSlug(slugify(value));
            }}
          />
          <TextInput
            label="Slug"
            name="slug"
            description="The page's address: /forms/<slug>. Lower-case letters, digits and dashes."
            required
            value={slug}
            onChange={(event) => {
              setSlugTouched(true);
              setSlug(event.currentTarget.value);
            }}
          />
        </Group>
        <Group grow align="flex-start">
          <Select
            label="Team"
            description="Cases from this form go to this team; none puts them in the unassigned pool."
            placeholder="Unassigned pool"
            clearable
            searchable
            data={teamOptions}
            value={teamId}
            onChange={setTeamId}
            nothingFoundMessage={teams.isPending ? 'Loading teams…' : 'No teams'}
          />
          <Select
            label="Mailbox"
            description="Confirmations, and replies on the cases this form opens, are emailed from it. None: no confirmation."
            placeholder="No mailbox"
            clearable
            searchable
            data={mailboxOptions}
            value={mailboxId}
            onChange={setMailboxId}
            nothingFoundMessage={mailboxes.isPending ? 'Loading mailboxes…' : 'No mailboxes'}
          />
        </Group>
        <Textarea
          label="Confirmation"
          name="confirmationText"
          description="Shown after sending, and at the top of the confirmation email."
          required
          autosize
          minRows={2}
          value={confirmationText}
          onChange={(event) => setConfirmationText(event.currentTarget.value)}
        />
        <Switch
          label="Accepting submissions"
          description="A switched-off form's page answers “not found”."
          checked={active}
          onChange={(event) => setActive(event.currentTarget.checked)}
        />

        <Divider />
        <Group justify="space-between">
          <Title order={5}>Fields</Title>
          <Button
            size="xs"
            variant="light"
            onClick={() => setFields((all) => [...all, withUid({ key: '', label: '', kind: 'text', required: false })])}
          >
            Add field
          </Button>
        </Group>
        <Text size="xs" c="dimmed">
          Every form has a required Email and a required message field. A “subject” field becomes the case subject and a “name” field the
          customer&apos;s name; every other answer is added to the case&apos;s first message.
        </Text>
        <Stack gap="xs" data-testid="form-fields">
          {fields.map((f, index) => {
            const fixed = fixedUids.has(f.uid);
            const label = f.label || `Field ${index + 1}`;
            return (
              <Paper key={f.uid} withBorder p="xs" data-testid="form-field">
                <Group align="flex-end" wrap="nowrap" gap="xs">
                  <TextInput
                    label="Label"
                    aria-label={`Label of field ${index + 1}`}
                    required
                    style={{ flex: 2 }}
                    value={f.label}
                    onChange={(event) => setField(f.uid, { label: event.currentTarget.value })}
                  />
                  <TextInput
                    label="Key"
                    aria-label={`Key of field ${index + 1}`}
                    required
                    style={{ flex: 1 }}
                    disabled={fixed}
                    value={f.key}
                    onChange={(event) => {
                      const value = event.currentTarget.value;
                      setKeyTouched((s) => new Set(s).add(f.uid));
                      setField(f.uid, { key: value });
                    }}
                  />
                  <Select
                    label="Kind"
                    aria-label={`Kind of field ${index + 1}`}
                    style={{ flex: '0 0 170px' }}
                    allowDeselect={false}
                    disabled={fixed}
                    data={FIELD_KINDS.map((k) => ({ value: k, label: KIND_LABELS[k] }))}
                    value={f.kind}
                    onChange={(value) => value && setField(f.uid, { kind: value as FieldKind })}
                  />
                  <Checkbox
                    label="Required"
                    aria-label={`Field ${index + 1} required`}
                    mb={8}
                    disabled={fixed}
                    checked={f.required}
                    onChange={(event) => setField(f.uid, { required: event.currentTarget.checked })}
                  />
                  <Group gap={2} wrap="nowrap" mb={4}>
                    <ActionIcon
                      variant="subtle"
                      aria-label={`Move ${label} up`}
                      disabled={index === 0}
                      onClick={() => moveField(index, -1)}
                    >
                      ↑
                    </ActionIcon>
                    <ActionIcon
                      variant="subtle"
                      aria-label={`Move ${label} down`}
                      disabled={index === fields.length - 1}
                      onClick={() => moveField(index, 1)}
                    >
                      ↓
                    </ActionIcon>
                    <ActionIcon
                      variant="subtle"
                      color="red"
                      aria-label={`Remove ${label}`}
                      disabled={fixed}
                      onClick={() => setFields((all) => all.filter((x) => x.uid !== f.uid))}
                    >
                      ✕
                    </ActionIcon>
                  </Group>
                </Group>
                {f.kind === 'select' && (
                  <TagsInput
                    mt="xs"
                    label="Options"
                    aria-label={`Options of field ${index + 1}`}
                    description="Type an option and press Enter."
                    value={f.options ?? []}
                    onChange={(options) => setField(f.uid, { options })}
                  />
                )}
              </Paper>
            );
          })}
        </Stack>

        <Divider />
        <Title order={5}>Category</Title>
        <Select
          label="Category from"
          description="A choice field whose answer sets the case category."
          placeholder={selectFields.length ? 'No category' : 'Add a choice field first'}
          clearable
          disabled={selectFields.length === 0}
          data={selectFields.map((f) => ({ value: f.key, label: f.label || f.key }))}
          value={mappedField?.key ?? null}
          onChange={(value) => {
            setCategoryField(value);
            setCategoryMap({});
          }}
        />
        {mappedField && (
          <Stack gap="xs" data-testid="category-map">
            {(mappedField.options ?? []).map((option) => (
              <Group key={option} grow>
                <Text size="sm">{option}</Text>
                <Select
                  aria-label={`Category for ${option}`}
                  placeholder="No category"
                  clearable
                  searchable
                  data={categoryOptions}
                  value={categoryMap[option] ?? null}
                  onChange={(value) =>
                    setCategoryMap((map) => {
                      const next = { ...map };
                      if (value) next[option] = value;
                      else delete next[option];
                      return next;
                    })
                  }
                  nothingFoundMessage={categories.isPending ? 'Loading categories…' : 'No categories'}
                />
              </Group>
            ))}
          </Stack>
        )}

        <FormError error={save.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={save.isPending}>
            {form ? 'Save form' : 'Create form'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
