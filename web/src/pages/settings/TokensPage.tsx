// API tokens: personal Bearer credentials for scripts and integrations. The server stores only a
// hash, so the secret can be shown exactly once, right after creation.
import {
  Alert,
  Badge,
  Button,
  Code,
  CopyButton,
  Group,
  Loader,
  Modal,
  NumberInput,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { createToken, listTokens, revokeToken } from '../../api';
import type { ApiToken, CreatedToken } from '../../api-types';
import { ConfirmModal } from '../../components/ConfirmModal';
import { FormError } from '../../components/FormError';
import { PageHeader } from '../../components/PageHeader';
import { QueryError } from '../../components/QueryError';
import { formatDate, formatDateTime } from '../../format';
import { notifySuccess } from '../../notify';
import { queryKeys } from '../../query-keys';
import { useCan, useMe } from '../../session';

export function TokensPage() {
  const can = useCan();
  const canManageAll = can('tokens.manage_all');
  const canManageOwn = canManageAll || can('tokens.manage_own');
  const [showAll, setShowAll] = useState(false);
  const [creating, setCreating] = useState(false);
  // A fresh modal per "New token" click, so a previous secret can never reappear.
  const [creationCount, setCreationCount] = useState(0);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);
  const all = canManageAll && showAll;
  const tokens = useQuery({ queryKey: queryKeys.tokenList(all), queryFn: () => listTokens({ all }) });

  return (
    <Stack>
      <PageHeader
        order={3}
        title="API tokens"
        description={
          <>
            Scripts and integrations call the Frontline API with a token, sent as <Code>Authorization: Bearer &lt;token&gt;</Code>. A token
            acts with its owner&apos;s role.
          </>
        }
        actions={
          canManageOwn && (
            <Button
              onClick={() => {
                setCreationCount((count) => count + 1);
                setCreating(true);
              }}
            >
              New token
            </Button>
          )
        }
      />
      {canManageAll && (
        <Switch label="Show everyone's tokens" checked={showAll} onChange={(event) => setShowAll(event.currentTarget.checked)} />
      )}
      {tokens.isPending ? (
        <Loader />
      ) : tokens.isError ? (
        <QueryError error={tokens.error} onRetry={() => void tokens.refetch()} />
      ) : (
        <TokenTable tokens={tokens.data.items} showOwner={all} onRevoke={canManageOwn ? setRevoking : undefined} />
      )}
      <CreateTokenModal key={creationCount} opened={creating} onClose={() => setCreating(false)} />
      <RevokeTokenModal token={revoking} onClose={() => setRevoking(null)} />
    </Stack>
  );
}

type TokenStatus = 'active' | 'expired' | 'revoked';

function statusOf(token: ApiToken, now: number): TokenStatus {
  if (token.revokedAt) return 'revoked';
  if (token.expiresAt && new Date(token.expiresAt).getTime() <= now) return 'expired';
  return 'active';
}

const STATUS_BADGES: Record<TokenStatus, { color: string; label: string }> = {
  active: { color: 'teal', label: 'Active' },
  expired: { color: 'orange', label: 'Expired' },
  revoked: { color: 'gray', label: 'Revoked' },
};

type TokenTableProps = {
  tokens: ApiToken[];
  showOwner: boolean;
  onRevoke?: (token: ApiToken) => void;
};

function TokenTable({ tokens, showOwner, onRevoke }: TokenTableProps) {
  const me = useMe();
  const can = useCan();
  if (tokens.length === 0) {
    return <Text c="dimmed">No tokens yet.</Text>;
  }
  const now = Date.now();
  return (
    <Table.ScrollContainer minWidth={760}>
      <Table verticalSpacing="sm">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Name</Table.Th>
            <Table.Th>Prefix</Table.Th>
            {showOwner && <Table.Th>Owner</Table.Th>}
            <Table.Th>Created</Table.Th>
            <Table.Th>Last used</Table.Th>
            <Table.Th>Expires</Table.Th>
            <Table.Th>Status</Table.Th>
            {onRevoke && <Table.Th aria-label="Actions" />}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {tokens.map((token) => {
            const status = statusOf(token, now);
            const mayRevoke = token.userId === me.user.id || can('tokens.manage_all');
            return (
              // Revoked tokens stay listed for the record, greyed out.
              <Table.Tr key={token.id} c={status === 'revoked' ? 'dimmed' : undefined} opacity={status === 'revoked' ? 0.6 : 1}>
                <Table.Td fw={500}>{token.name}</Table.Td>
                <Table.Td>
                  <Code>{token.prefix}…</Code>
                </Table.Td>
                {showOwner && <Table.Td>{token.userName}</Table.Td>}
                <Table.Td>{formatDate(token.createdAt)}</Table.Td>
                <Table.Td>{formatDateTime(token.lastUsedAt, 'Never')}</Table.Td>
                <Table.Td>{formatDate(token.expiresAt, 'Never')}</Table.Td>
                <Table.Td>
                  <Badge variant="light" color={STATUS_BADGES[status].color}>
                    {status === 'revoked' ? `Revoked ${formatDate(token.revokedAt)}` : STATUS_BADGES[status].label}
                  </Badge>
                </Table.Td>
                {onRevoke && (
                  <Table.Td ta="right">
                    {status !== 'revoked' && mayRevoke && (
                      <Button size="xs" variant="subtle" color="red" onClick={() => onRevoke(token)}>
                        Revoke
                      </Button>
                    )}
                  </Table.Td>
                )}
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** First asks for a name and lifetime, then shows the new secret once. */
function CreateTokenModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const [created, setCreated] = useState<CreatedToken | null>(null);

  return (
    <Modal
      opened={opened}
      onClose={onClose}
      // Forget the secret once the modal has closed: it must not be recoverable from the UI.
      // (Not earlier, or the form would flash back in during the closing animation.)
      onExitTransitionEnd={() => setCreated(null)}
      title={created ? 'Copy your new token' : 'New API token'}
      // Closing by a stray click outside would lose the secret before it was copied.
      closeOnClickOutside={!created}
    >
      {created ? <TokenSecret created={created} onDone={onClose} /> : <CreateTokenForm onCreated={setCreated} onCancel={onClose} />}
    </Modal>
  );
}

function CreateTokenForm({ onCreated, onCancel }: { onCreated: (created: CreatedToken) => void; onCancel: () => void }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [expiresInDays, setExpiresInDays] = useState<number | string>(90);

  const create = useMutation({
    mutationFn: createToken,
    onSuccess: (created) => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.tokens });
      onCreated(created);
    },
  });

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const days = typeof expiresInDays === 'number' ? expiresInDays : undefined;
    create.mutate({ name: name.trim(), ...(days ? { expiresInDays: days } : {}) });
  }

  return (
    <form onSubmit={handleSubmit}>
      <Stack>
        <TextInput
          label="Name"
          name="name"
          description="What will use it, e.g. “Billing system sync”."
          required
          data-autofocus
          value={name}
          onChange={(event) => setName(event.currentTarget.value)}
        />
        <NumberInput
          label="Expires after (days)"
          name="expiresInDays"
          description="Leave empty for a token that never expires."
          min={1}
          allowDecimal={false}
          allowNegative={false}
          value={expiresInDays}
          onChange={setExpiresInDays}
        />
        <FormError error={create.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel}>
            Cancel
          </Button>
          <Button type="submit" loading={create.isPending}>
            Create token
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function TokenSecret({ created, onDone }: { created: CreatedToken; onDone: () => void }) {
  return (
    <Stack>
      <Alert color="yellow" title="This token will not be shown again">
        Copy it now and store it somewhere safe. Frontline keeps only a hash of it; if you lose it, revoke it and create a new one.
      </Alert>
      <Code block data-testid="token-secret" style={{ wordBreak: 'break-all', whiteSpace: 'pre-wrap' }}>
        {created.secret}
      </Code>
      <Group justify="flex-end">
        <CopyButton value={created.secret}>
          {({ copied, copy }) => (
            <Button color={copied ? 'teal' : 'blue'} variant="light" onClick={copy}>
              {copied ? 'Copied' : 'Copy token'}
            </Button>
          )}
        </CopyButton>
        <Button onClick={onDone}>Done</Button>
      </Group>
    </Stack>
  );
}

function RevokeTokenModal({ token, onClose }: { token: ApiToken | null; onClose: () => void }) {
  const queryClient = useQueryClient();
  const revoke = useMutation({
    mutationFn: revokeToken,
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.tokens });
      notifySuccess(`Revoked ${token?.name ?? 'the token'}.`);
      close();
    },
  });

  function close() {
    revoke.reset();
    onClose();
  }

  return (
    <ConfirmModal
      opened={token !== null}
      title="Revoke token"
      confirmLabel="Revoke"
      loading={revoke.isPending}
      error={revoke.error}
      onConfirm={() => token && revoke.mutate(token.id)}
      onClose={close}
    >
      Revoke <strong>{token?.name}</strong>? Anything still using it will be refused from now on. This cannot be undone.
    </ConfirmModal>
  );
}
