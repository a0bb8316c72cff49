// Dashboards → Service standards, for roles that read reports: the running targets already breached
// or due soon (GET /api/sla/at-risk), and the open cases taking much longer than cases like them
// usually do (GET /api/sla/outliers: older than their norm's p90). Rows open the case.
import { Alert, Badge, Group, Loader, Select, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState, type KeyboardEvent } from 'react';
import { useNavigate } from 'react-router';
import { PRIORITY_COLORS, PRIORITY_LABELS, STATUS_LABELS, labelOf } from '../../cases/labels';
import { useActiveUsers, useTeams } from '../../cases/lookups';
import { PageHeader } from '../../components/PageHeader';
import { QueryError } from '../../components/QueryError';
import { RelativeTime } from '../../components/RelativeTime';
import { queryKeys } from '../../query-keys';
import { useCan } from '../../session';
import { listSlaAtRisk, listSlaOutliers, type AtRiskItem, type OutlierItem } from '../../sla-api';
import { SLA_STATE_COLORS, SLA_STATE_LABELS, formatMinutes, targetLabel } from '../../sla/sla-format';

const REFRESH_MS = 60_000;

const WINDOWS = [
  { value: '30', label: 'Due within 30 minutes' },
  { value: '60', label: 'Due within 1 hour' },
  { value: '240', label: 'Due within 4 hours' },
  { value: '480', label: 'Due within 8 hours' },
  { value: '1440', label: 'Due within 1 day' },
];

function useNames() {
  const teams = useTeams();
  const users = useActiveUsers();
  const teamNames = new Map((teams.data ?? []).map((t) => [t.id, t.name]));
  const userNames = new Map((users.data ?? []).map((u) => [u.id, u.name]));
  return {
    teams: teams.data ?? [],
    // Roles without the staff directory cannot read the names: a dash rather than a wrong word.
    team: (id: string | null) => (id ? (teamNames.get(id) ?? '—') : 'No team'),
    user: (id: string | null) => (id ? (userNames.get(id) ?? '—') : 'Unassigned'),
  };
}

/** A table row that opens its case on click or Enter. */
function useRowLink() {
  const navigate = useNavigate();
  return (caseId: string) => ({
    onClick: () => void navigate(`/cases/${caseId}`),
    onKeyDown: (event: KeyboardEvent) => {
      if (event.key === 'Enter') void navigate(`/cases/${caseId}`);
    },
    tabIndex: 0,
    style: { cursor: 'pointer' },
  });
}

export function ServiceStandardsDashboard() {
  const can = useCan();
  const names = useNames();
  const [teamId, setTeamId] = useState<string | null>(null);

  if (!can('reports.read')) {
    return (
      <>
        <PageHeader title="Dashboards" />
        <Alert color="gray">
          Dashboards are for roles that read reports: team leaders, managers, QA, workforce planners and executives.
        </Alert>
      </>
    );
  }

  return (
    <Stack gap="xl">
      <PageHeader
        title="Service standards"
        description="Cases about to miss or already missing a target, and cases taking far longer than similar ones usually do."
        actions={
          <Select
            aria-label="Team"
            placeholder="Every team"
            clearable
            searchable
            w={220}
            data={names.teams.map((t) => ({ value: t.id, label: t.name }))}
            value={teamId}
            onChange={setTeamId}
          />
        }
      />
      <AtRiskSection teamId={teamId} names={names} />
      <OutliersSection teamId={teamId} names={names} />
    </Stack>
  );
}

type Names = ReturnType<typeof useNames>;

function AtRiskSection({ teamId, names }: { teamId: string | null; names: Names }) {
  const [within, setWithin] = useState('60');
  const withinMinutes = Number(within);
  const atRisk = useQuery({
    queryKey: queryKeys.slaAtRisk(withinMinutes, teamId ?? ''),
    queryFn: () => listSlaAtRisk({ withinMinutes, teamId: teamId ?? undefined }),
    refetchInterval: REFRESH_MS,
  });
  const rowLink = useRowLink();

  return (
    <section aria-label="At risk">
      <Group justify="space-between" mb="sm">
        <div>
          <Title order={4}>At risk</Title>
          <Text size="xs" c="dimmed">
            Running targets already breached or falling due soon, soonest first.
          </Text>
        </div>
        <Select
          aria-label="Window"
          allowDeselect={false}
          w={220}
          data={WINDOWS}
          value={within}
          onChange={(value) => value && setWithin(value)}
        />
      </Group>
      {atRisk.isPending ? (
        <Loader size="sm" />
      ) : atRisk.isError ? (
        <QueryError error={atRisk.error} onRetry={() => void atRisk.refetch()} />
      ) : atRisk.data.length === 0 ? (
        <Text c="dimmed" size="sm" data-testid="at-risk-empty">
          Nothing is breached or due in this window.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={820}>
          <Table highlightOnHover verticalSpacing="xs" aria-label="Cases at risk">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Case</Table.Th>
                <Table.Th w={130}>Target</Table.Th>
                <Table.Th w={110}>State</Table.Th>
                <Table.Th w={150}>Due</Table.Th>
                <Table.Th>Team</Table.Th>
                <Table.Th>Assignee</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {atRisk.data.map((item) => (
                <AtRiskRow key={`${item.caseId}:${item.target}`} item={item} names={names} link={rowLink(item.caseId)} />
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </section>
  );
}

function AtRiskRow({ item, names, link }: { item: AtRiskItem; names: Names; link: ReturnType<ReturnType<typeof useRowLink>> }) {
  const overdue = item.state === 'breached' || (item.minutesUntilDue !== null && item.minutesUntilDue < 0);
  const state = overdue ? 'breached' : item.state;
  return (
    <Table.Tr data-testid="at-risk-row" data-case-id={item.caseId} {...link}>
      <Table.Td>
        <Group gap="xs" wrap="nowrap">
          <Text size="sm" c="dimmed">
            #{item.number}
          </Text>
          <Text size="sm" fw={500} truncate maw={320}>
            {item.subject}
          </Text>
          <Badge size="xs" variant="light" color={PRIORITY_COLORS[item.priority as keyof typeof PRIORITY_COLORS] ?? 'gray'}>
            {labelOf(PRIORITY_LABELS, item.priority)}
          </Badge>
        </Group>
      </Table.Td>
      <Table.Td>{targetLabel(item.target)}</Table.Td>
      <Table.Td>
        <Badge
          size="sm"
          variant={overdue ? 'filled' : 'light'}
          color={overdue ? 'red' : (SLA_STATE_COLORS[state as keyof typeof SLA_STATE_COLORS] ?? 'orange')}
        >
          {overdue ? 'Breached' : (SLA_STATE_LABELS[state as keyof typeof SLA_STATE_LABELS] ?? state)}
        </Badge>
      </Table.Td>
      <Table.Td>
        <Stack gap={0}>
          <RelativeTime iso={item.dueAt} c={overdue ? 'red' : undefined} />
          {item.minutesUntilDue !== null && (
            <Text size="xs" c="dimmed">
              {overdue
                ? item.minutesUntilDue < 0
                  ? `${formatMinutes(item.minutesUntilDue)} over`
                  : 'overdue'
                : `${formatMinutes(item.minutesUntilDue)} left`}
            </Text>
          )}
        </Stack>
      </Table.Td>
      <Table.Td>{names.team(item.teamId)}</Table.Td>
      <Table.Td>{names.user(item.assigneeId)}</Table.Td>
    </Table.Tr>
  );
}

function OutliersSection({ teamId, names }: { teamId: string | null; names: Names }) {
  const outliers = useQuery({
    queryKey: queryKeys.slaOutliers(teamId ?? ''),
    queryFn: () => listSlaOutliers({ teamId: teamId ?? undefined }),
    refetchInterval: 5 * REFRESH_MS,
  });
  const rowLink = useRowLink();

  return (
    <section aria-label="Outliers">
      <div>
        <Title order={4}>Taking longer than usual</Title>
        <Text size="xs" c="dimmed" mb="sm">
          Open cases older than nine in ten similar cases took to solve (same category, type and channel, solved in the last 180 days;
          recomputed nightly). Most overdue first.
        </Text>
      </div>
      {outliers.isPending ? (
        <Loader size="sm" />
      ) : outliers.isError ? (
        <QueryError error={outliers.error} onRetry={() => void outliers.refetch()} />
      ) : outliers.data.length === 0 ? (
        <Text c="dimmed" size="sm" data-testid="outliers-empty">
          No open case is taking longer than usual (or too few cases were solved yet to say what usual is).
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={820}>
          <Table highlightOnHover verticalSpacing="xs" aria-label="Outlier cases">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Case</Table.Th>
                <Table.Th w={100}>Status</Table.Th>
                <Table.Th w={120}>Age</Table.Th>
                <Table.Th w={120}>Usual (p90)</Table.Th>
                <Table.Th w={90}>Ratio</Table.Th>
                <Table.Th>Team</Table.Th>
                <Table.Th>Assignee</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {outliers.data.map((item) => (
                <OutlierRow key={item.caseId} item={item} names={names} link={rowLink(item.caseId)} />
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </section>
  );
}

function OutlierRow({ item, names, link }: { item: OutlierItem; names: Names; link: ReturnType<ReturnType<typeof useRowLink>> }) {
  const ratio = item.p90Minutes > 0 ? item.ageMinutes / item.p90Minutes : null;
  return (
    <Table.Tr data-testid="outlier-row" data-case-id={item.caseId} {...link}>
      <Table.Td>
        <Group gap="xs" wrap="nowrap">
          <Text size="sm" c="dimmed">
            #{item.number}
          </Text>
          <Text size="sm" fw={500} truncate maw={360}>
            {item.subject}
          </Text>
        </Group>
      </Table.Td>
      <Table.Td>{labelOf(STATUS_LABELS, item.status)}</Table.Td>
      <Table.Td>{formatMinutes(item.ageMinutes)}</Table.Td>
      <Table.Td title={`Median ${formatMinutes(item.norm.medianMinutes)}, from ${item.norm.sampleSize} cases`}>
        {formatMinutes(item.p90Minutes)}
      </Table.Td>
      <Table.Td>
        <Badge size="sm" variant="light" color={ratio !== null && ratio >= 2 ? 'red' : 'orange'}>
          {ratio !== null ? `${ratio.toFixed(1)}×` : '—'}
        </Badge>
      </Table.Td>
      <Table.Td>{names.team(item.teamId)}</Table.Td>
      <Table.Td>{names.user(item.assigneeId)}</Table.Td>
    </Table.Tr>
  );
}
