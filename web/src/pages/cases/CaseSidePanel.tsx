// The case's side panel: its service standard, who the customer is and what else they asked, the
// custom fields, the followers, and (on its own tab) the event log in words.
import {
  Anchor,
  Badge,
  Button,
  Checkbox,
  Group,
  Loader,
  NumberInput,
  Paper,
  Select,
  Stack,
  Tabs,
  Text,
  TextInput,
  Timeline,
  Title,
} from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import type { CaseView, CustomFieldDefinition, CustomFieldValue } from '../../api-types';
import { fetchCaseEvents, fetchCustomer, fetchCustomerTimeline } from '../../case-api';
import { StatusBadge, TierBadge } from '../../cases/CaseBadges';
import { useCaseUpdate, useFollow } from '../../cases/case-mutations';
import { describeEvent, type EventNames } from '../../cases/describe-event';
import { useActiveUsers, useCategories, useCustomFields, useTeams } from '../../cases/lookups';
import { QueryError } from '../../components/QueryError';
import { RelativeTime } from '../../components/RelativeTime';
import { describeError } from '../../api';
import { usePollUnlessLive } from '../../live';
import { queryKeys } from '../../query-keys';
import { useCan, useMe } from '../../session';
import { useDepartments } from '../../requests/request-ui';
import { CaseDepartmentsSection } from './CaseDepartmentsSection';
import { CaseLinksSection } from './CaseLinksSection';
import { CaseSlaSection } from './CaseSlaSection';

export function CaseSidePanel({ caseView }: { caseView: CaseView }) {
  const [tab, setTab] = useState<string>('details');
  return (
    <Paper withBorder p="sm">
      <Tabs value={tab} onChange={(value) => setTab(value ?? 'details')}>
        <Tabs.List grow mb="sm">
          <Tabs.Tab value="details">Details</Tabs.Tab>
          <Tabs.Tab value="events">Events</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="details">
          <Stack gap="lg">
            <CaseSlaSection caseView={caseView} />
            <CaseDepartmentsSection caseView={caseView} />
            <CustomerSection caseView={caseView} />
            <CaseLinksSection caseView={caseView} />
            <CustomFieldsSection caseView={caseView} />
            <FollowersSection caseView={caseView} />
          </Stack>
        </Tabs.Panel>
        <Tabs.Panel value="events">{tab === 'events' && <EventLog caseView={caseView} />}</Tabs.Panel>
      </Tabs>
    </Paper>
  );
}

function SectionTitle({ children }: { children: string }) {
  return (
    <Title order={4} size="sm" tt="uppercase" c="dimmed" mb={6}>
      {children}
    </Title>
  );
}

function CustomerSection({ caseView }: { caseView: CaseView }) {
  const requester = caseView.requester;
  const customer = useQuery({ queryKey: queryKeys.customer(requester.id), queryFn: () => fetchCustomer(requester.id) });
  const timeline = useQuery({
    queryKey: queryKeys.customerTimeline(requester.id),
    queryFn: () => fetchCustomerTimeline(requester.id),
  });
  const otherCases = (timeline.data?.items ?? []).filter(
    (item): item is Extract<typeof item, { type: 'case' }> => item.type === 'case' && item.caseId !== caseView.id,
  );
  const organisation = customer.data?.organisation?.name;

  return (
    <section aria-label="Customer">
      <SectionTitle>Customer</SectionTitle>
      <Stack gap={4} data-testid="case-customer">
        <Group gap="xs">
          <Anchor component={Link} to={`/customers/${requester.id}`} fw={600}>
            {requester.name || requester.email || 'Unnamed customer'}
          </Anchor>
          <TierBadge tier={customer.data?.tier ?? requester.tier} />
        </Group>
        {requester.email && (
          <Text size="sm" c="dimmed">
            {requester.email}
          </Text>
        )}
        {organisation && <Text size="sm">{organisation}</Text>}
        {customer.data?.notes && (
          <Text size="xs" c="dimmed" style={{ whiteSpace: 'pre-wrap' }} lineClamp={4}>
            {customer.data.notes}
          </Text>
        )}
      </Stack>

      <Text size="sm" fw={600} mt="md" mb={4}>
        Other cases
      </Text>
      {timeline.isPending ? (
        <Loader size="xs" />
      ) : timeline.isError ? (
        <Text size="xs" c="dimmed">
          History unavailable: {describeError(timeline.error)}
        </Text>
      ) : otherCases.length === 0 ? (
        <Text size="sm" c="dimmed">
          None — this is their only case.
        </Text>
      ) : (
        <Stack gap={6}>
          {otherCases.slice(0, 10).map((item) => (
            <Group key={item.caseId} gap="xs" wrap="nowrap" justify="space-between">
              <Anchor component={Link} to={`/cases/${item.caseId}`} size="sm" truncate style={{ minWidth: 0 }}>
                #{item.number} {item.subject}
              </Anchor>
              <Group gap={6} wrap="nowrap">
                <StatusBadge status={item.status} />
                <RelativeTime iso={item.at} size="xs" c="dimmed" />
              </Group>
            </Group>
          ))}
          {otherCases.length > 10 && (
            <Anchor component={Link} to={`/customers/${requester.id}`} size="xs">
              All {otherCases.length} cases…
            </Anchor>
          )}
        </Stack>
      )}
    </section>
  );
}

function optionValues(definition: CustomFieldDefinition): { value: string; label: string }[] {
  return (definition.options ?? []).map((option) =>
    typeof option === 'string' ? { value: option, label: option } : { value: option.value, label: option.label ?? option.value },
  );
}

function CustomFieldsSection({ caseView }: { caseView: CaseView }) {
  const can = useCan();
  const definitions = useCustomFields();
  const update = useCaseUpdate(caseView.id);
  // Only what the person edited: the rest follows the case as it changes.
  const [draft, setDraft] = useState<Record<string, CustomFieldValue>>({});
  const editable = can('cases.work') && caseView.status !== 'closed';
  const dirty = Object.keys(draft).length > 0;

  const fields = (definitions.data ?? []).filter((d) => d.active || caseView.customFields[d.key] !== undefined);
  const valueOf = (key: string): unknown => (key in draft ? draft[key] : caseView.customFields[key]);
  const set = (key: string, value: CustomFieldValue) => setDraft((old) => ({ ...old, [key]: value }));

  if (definitions.isPending) return null;
  if (definitions.isError || fields.length === 0) {
    const entries = Object.entries(caseView.customFields);
    if (entries.length === 0) return null;
    return (
      <section aria-label="Fields">
        <SectionTitle>Fields</SectionTitle>
        {entries.map(([key, value]) => (
          <Text size="sm" key={key}>
            <Text span c="dimmed" size="sm">
              {key}:
            </Text>{' '}
            {value === null || value === undefined ? '—' : String(value)}
          </Text>
        ))}
      </section>
    );
  }

  const input = (d: CustomFieldDefinition) => {
    const value = valueOf(d.key);
    const common = {
      label: d.label,
      description: d.required ? 'Needed before the case is solved' : undefined,
      disabled: !editable,
      size: 'xs' as const,
    };
    switch (d.kind) {
      case 'number':
        return (
          <NumberInput
            key={d.key}
            {...common}
            value={typeof value === 'number' ? value : ''}
            onChange={(v) => set(d.key, typeof v === 'number' ? v : null)}
          />
        );
      case 'dropdown':
        return (
          <Select
            key={d.key}
            {...common}
            data={optionValues(d)}
            value={typeof value === 'string' ? value : null}
            onChange={(v) => set(d.key, v)}
            clearable={!d.required}
          />
        );
      case 'checkbox':
        return (
          <Checkbox
            key={d.key}
            label={d.label}
            disabled={!editable}
            size="xs"
            checked={value === true}
            onChange={(event) => set(d.key, event.currentTarget.checked)}
          />
        );
      case 'date':
        return (
          <TextInput
            key={d.key}
            {...common}
            type="date"
            value={typeof value === 'string' ? value.slice(0, 10) : ''}
            onChange={(event) => set(d.key, event.currentTarget.value || null)}
          />
        );
      default:
        return (
          <TextInput
            key={d.key}
            {...common}
            value={typeof value === 'string' ? value : value === null || value === undefined ? '' : String(value)}
            onChange={(event) => set(d.key, event.currentTarget.value === '' ? null : event.currentTarget.value)}
          />
        );
    }
  };

  return (
    <section aria-label="Fields">
      <SectionTitle>Fields</SectionTitle>
      <Stack gap="xs">
        {fields.map(input)}
        {dirty && (
          <Group gap="xs">
            <Button
              size="xs"
              loading={update.isPending}
              onClick={() => update.mutate({ customFields: draft }, { onSuccess: () => setDraft({}) })}
            >
              Save fields
            </Button>
            <Button size="xs" variant="default" onClick={() => setDraft({})}>
              Discard
            </Button>
          </Group>
        )}
      </Stack>
    </section>
  );
}

function FollowersSection({ caseView }: { caseView: CaseView }) {
  const { user } = useMe();
  const can = useCan();
  const users = useActiveUsers();
  const follow = useFollow(caseView.id);
  const following = caseView.followerIds.includes(user.id);
  const nameOf = (id: string) => (id === user.id ? 'You' : (users.data?.find((u) => u.id === id)?.name ?? 'A colleague'));

  return (
    <section aria-label="Followers">
      <SectionTitle>Followers</SectionTitle>
      <Group gap={6} mb="xs">
        {caseView.followerIds.length === 0 ? (
          <Text size="sm" c="dimmed">
            Nobody follows this case.
          </Text>
        ) : (
          caseView.followerIds.map((id) => (
            <Badge key={id} variant="light" color={id === user.id ? 'blue' : 'gray'}>
              {nameOf(id)}
            </Badge>
          ))
        )}
      </Group>
      {can('cases.work') && caseView.status !== 'closed' && (
        <Button
          size="xs"
          variant={following ? 'default' : 'light'}
          loading={follow.isPending}
          onClick={() => follow.mutate({ userId: user.id, follow: !following })}
        >
          {following ? 'Unfollow' : 'Follow'}
        </Button>
      )}
    </section>
  );
}

function EventLog({ caseView }: { caseView: CaseView }) {
  const refetchInterval = usePollUnlessLive();
  const events = useQuery({
    queryKey: queryKeys.caseEvents(caseView.id),
    queryFn: () => fetchCaseEvents(caseView.id),
    refetchInterval,
  });
  const users = useActiveUsers();
  const teams = useTeams();
  const categories = useCategories();
  const fields = useCustomFields();
  const departments = useDepartments();

  if (events.isPending) return <Loader size="sm" />;
  if (events.isError && !events.data) return <QueryError error={events.error} onRetry={() => void events.refetch()} />;

  const names: EventNames = {
    user: (id) => (id === caseView.assigneeId ? (caseView.assigneeName ?? undefined) : users.data?.find((u) => u.id === id)?.name),
    team: (id) => (id === caseView.teamId ? (caseView.teamName ?? undefined) : teams.data?.find((t) => t.id === id)?.name),
    category: (id) => (id === caseView.categoryId ? (caseView.categoryName ?? undefined) : categories.data?.find((c) => c.id === id)?.path),
    field: (key) => fields.data?.find((f) => f.key === key)?.label,
    department: (id) => departments.data?.find((d) => d.id === id)?.name,
  };

  // Newest first: what just happened is what people look for.
  const items = [...events.data].reverse();
  return (
    <Timeline bulletSize={10} lineWidth={2} data-testid="case-events">
      {items.map((event) => (
        <Timeline.Item key={event.id} title={<Text size="sm">{describeEvent(event, names)}</Text>}>
          <RelativeTime iso={event.at} size="xs" c="dimmed" />
        </Timeline.Item>
      ))}
    </Timeline>
  );
}
