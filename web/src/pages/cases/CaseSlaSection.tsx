// The case's service standard: which policy applies and, per target, whether it is running, paused,
// met or breached, when it falls due and how much (counted) time is left. The server computes the
// clocks; the case's live updates refresh them, and they are re-read every minute as time passes.
// Below them, how long cases like this one usually take (the nightly handling norm) and whether
// this one is taking longer than usual.
import { Badge, Group, Loader, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { describeError } from '../../api';
import { SLA_TARGET_NAMES, type CaseView, type SlaClock, type SlaState, type SlaTargetName } from '../../api-types';
import { RelativeTime } from '../../components/RelativeTime';
import { formatDateTime } from '../../format';
import { queryKeys } from '../../query-keys';
import { fetchCaseSla, fetchExpectedHandling } from '../../sla-api';
import { SLA_STATE_COLORS, SLA_STATE_LABELS, SLA_TARGET_LABELS, formatMinutes } from '../../sla/sla-format';

/** Clocks move with time, not only with changes: read them again this often. */
const REFRESH_MS = 60_000;

function useNow(intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

/** The state as of now: a running clock whose due time passed since it was read is breached. */
function stateNow(clock: SlaClock, now: number): SlaState {
  if (clock.state === 'active' && clock.dueAt && new Date(clock.dueAt).getTime() < now) return 'breached';
  return clock.state;
}

export function CaseSlaSection({ caseView }: { caseView: CaseView }) {
  const sla = useQuery({
    // Under the case's key: whatever refreshes the case (live updates, own changes) refreshes this.
    queryKey: queryKeys.caseSla(caseView.id),
    queryFn: () => fetchCaseSla(caseView.id),
    refetchInterval: REFRESH_MS,
    staleTime: 5_000,
  });
  const now = useNow(15_000);

  let content;
  if (sla.isPending) content = <Loader size="xs" />;
  else if (sla.isError && !sla.data)
    content = (
      <Text size="xs" c="dimmed">
        Service standard unavailable: {describeError(sla.error)}
      </Text>
    );
  else if (!sla.data.policy)
    content = (
      <Text size="sm" c="dimmed" data-testid="case-sla-none">
        No service standard applies to this case.
      </Text>
    );
  else {
    const data = sla.data;
    const shown = SLA_TARGET_NAMES.filter((name) => data.targets[name]);
    content = (
      <Stack gap="xs">
        <Text size="sm" fw={600} data-testid="case-sla-policy">
          {data.policy?.name}
        </Text>
        {shown.length === 0 ? (
          <Text size="sm" c="dimmed">
            No target is running yet.
          </Text>
        ) : (
          shown.map((name) => <TargetRow key={name} name={name} clock={data.targets[name] as SlaClock} now={now} />)
        )}
      </Stack>
    );
  }

  return (
    <section aria-label="Service standard" data-testid="case-sla">
      <Title order={4} size="sm" tt="uppercase" c="dimmed" mb={6}>
        Service standard
      </Title>
      {content}
      <ExpectedHandlingLine caseId={caseView.id} />
    </section>
  );
}

/** "Cases like this are usually solved within 5 h · this one 7 h so far", with an outlier warning. */
function ExpectedHandlingLine({ caseId }: { caseId: string }) {
  const expected = useQuery({
    queryKey: queryKeys.caseExpectedHandling(caseId),
    queryFn: () => fetchExpectedHandling(caseId),
    refetchInterval: 5 * REFRESH_MS,
    staleTime: 30_000,
  });
  // Nothing to say without a norm (too few similar cases solved yet), or when it cannot be read.
  if (!expected.data?.usually) return null;
  const { usually, ageMinutes, outlier, norm } = expected.data;
  return (
    <Stack gap={4} mt="xs" data-testid="expected-handling" data-outlier={outlier}>
      <Text
        size="xs"
        c="dimmed"
        title={
          norm
            ? `From ${norm.sampleSize} similar cases solved in the last 180 days; 9 in 10 took up to ${formatMinutes(norm.p90Minutes)}.`
            : undefined
        }
      >
        Cases like this are {usually} · this one {formatMinutes(ageMinutes)} so far
      </Text>
      {outlier && (
        <Badge color="orange" variant="light" size="sm" data-testid="expected-handling-outlier" style={{ alignSelf: 'flex-start' }}>
          Taking longer than usual
        </Badge>
      )}
    </Stack>
  );
}

function TargetRow({ name, clock, now }: { name: SlaTargetName; clock: SlaClock; now: number }) {
  const state = stateNow(clock, now);
  const kind = clock.businessHours ? 'business time' : 'calendar time';
  return (
    <Stack gap={2} data-testid="sla-target" data-target={name} data-state={state}>
      <Group gap="xs" justify="space-between" wrap="nowrap">
        <Text size="sm">{SLA_TARGET_LABELS[name]}</Text>
        <Badge
          variant={state === 'breached' ? 'filled' : 'light'}
          color={SLA_STATE_COLORS[state]}
          title={`Target ${formatMinutes(clock.targetMinutes)} (${kind})`}
          data-testid="sla-badge"
        >
          {SLA_STATE_LABELS[state]}
        </Badge>
      </Group>
      <TargetTiming clock={clock} state={state} now={now} />
    </Stack>
  );
}

/**
 * Counted minutes left now. In calendar time a running clock loses a minute a minute, so it is
 * worked out from the due time; business time only the server can count (closed hours, holidays).
 */
function minutesLeft(clock: SlaClock, state: SlaState, now: number): number {
  if (!clock.businessHours && clock.dueAt && (state === 'active' || state === 'breached')) {
    return (new Date(clock.dueAt).getTime() - now) / 60_000;
  }
  return clock.remainingMinutes;
}

function TargetTiming({ clock, state, now }: { clock: SlaClock; state: SlaState; now: number }) {
  const left = minutesLeft(clock, state, now);
  const counted = clock.businessHours ? ' in business hours' : '';

  if (state === 'achieved' || state === 'achieved_late') {
    return (
      <Text size="xs" c="dimmed" component="div" data-testid="sla-timing">
        <Group gap={4}>
          <span>Met</span>
          <RelativeTime iso={clock.achievedAt} size="xs" c="dimmed" />
          {state === 'achieved_late' && clock.dueAt && <span>(was due {formatDateTime(clock.dueAt)})</span>}
        </Group>
      </Text>
    );
  }
  if (state === 'paused' && !clock.dueAt) {
    return (
      <Text size="xs" c="dimmed" data-testid="sla-timing">
        Clock paused · {formatMinutes(left)} left{counted}
      </Text>
    );
  }
  return (
    <Text size="xs" c={state === 'breached' ? 'red' : 'dimmed'} component="div" data-testid="sla-timing">
      <Group gap={4}>
        <span>Due</span>
        <RelativeTime iso={clock.dueAt} size="xs" c="inherit" data-testid="sla-due" />
        <span>·</span>
        <span data-testid="sla-left">
          {state === 'breached'
            ? left < 0
              ? `${formatMinutes(left)} over`
              : 'overdue'
            : `${formatMinutes(Math.max(0, left))} left${counted}`}
        </span>
      </Group>
    </Text>
  );
}
