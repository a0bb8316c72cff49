// The back-office turnaround table (GET /api/reports/departments/turnaround): per department and,
// expanded, per member — requests, completed, first response and completion times, the share
// within the internal target (OLA), late, open and overdue now. Shown on Requests → Coordination
// and on Dashboards → Back office, where every figure opens the requests it counts (`onOpen`).
import { ActionIcon, Anchor, Group, Table, Text, UnstyledButton } from '@mantine/core';
import { Fragment, useState } from 'react';
import { Link } from 'react-router';
import { TURNAROUND_OUTCOMES, type DepartmentTurnaround, type TurnaroundFigures, type TurnaroundOutcome } from '../department-api';
import { formatMinutes } from '../sla/sla-format';

const minutes = (value: number | null) => (value === null ? '—' : formatMinutes(value));
const percent = (value: number | null) => (value === null ? '—' : `${value}%`);

/** A figure clicked: whose it is, which count, and how it read. */
export type TurnaroundFigureClick = {
  departmentId: string;
  memberId?: string;
  /** "Billing" or "Billing · Lee Logistics". */
  who: string;
  outcome: TurnaroundOutcome;
  /** The column's name. */
  label: string;
  /** The figure as shown. */
  text: string;
  /** How many requests it counts. */
  count: number;
};

type Owner = { departmentId: string; memberId?: string; who: string };

type FigureCellsProps = { figures: TurnaroundFigures; owner: Owner; onOpen: ((click: TurnaroundFigureClick) => void) | undefined };

function FigureCells({ figures, owner, onOpen }: FigureCellsProps) {
  const cell = (outcome: TurnaroundOutcome, label: string, text: string, color?: string) => {
    const count = figures[TURNAROUND_OUTCOMES[outcome]];
    if (!onOpen)
      return (
        <Table.Td ta="right" c={color}>
          {text}
        </Table.Td>
      );
    return (
      <Table.Td ta="right">
        <UnstyledButton
          fz="sm"
          c={color ?? 'blue'}
          td="underline"
          onClick={() => onOpen({ ...owner, outcome, label, text, count })}
          aria-label={`${label}, ${owner.who}: ${text} (${count} ${count === 1 ? 'request' : 'requests'}). Show the requests`}
          data-testid="turnaround-figure"
          data-outcome={outcome}
          data-count={count}
        >
          {text}
        </UnstyledButton>
      </Table.Td>
    );
  };
  const first = `${minutes(figures.firstResponseMinutes.median)} / ${minutes(figures.firstResponseMinutes.p90)}`;
  const completion = `${minutes(figures.completionMinutes.median)} / ${minutes(figures.completionMinutes.p90)}`;
  const belowTarget = figures.withinOlaPercent !== null && figures.withinOlaPercent < 80;
  return (
    <>
      {cell('requests', 'Requests', String(figures.requests))}
      {cell('completed', 'Completed', String(figures.completed))}
      {cell('responded', 'First response', first)}
      {cell('completed', 'Completion', completion)}
      {cell('judged', 'Within target', percent(figures.withinOlaPercent), belowTarget ? 'red' : undefined)}
      {cell('late', 'Late', String(figures.late), figures.late > 0 ? 'red' : undefined)}
      {cell('open_now', 'Open now', String(figures.openNow))}
      {cell('overdue_now', 'Overdue now', String(figures.overdueNow), figures.overdueNow > 0 ? 'red' : undefined)}
    </>
  );
}

type TurnaroundTableProps = {
  departments: DepartmentTurnaround[];
  /** Where a department's name leads (its request queue, say); plain text without it. */
  departmentLink?: (departmentId: string) => string;
  /** Makes every figure a button that opens the requests it counts. */
  onOpen?: (click: TurnaroundFigureClick) => void;
};

export function TurnaroundTable({ departments, departmentLink, onOpen }: TurnaroundTableProps) {
  const [expanded, setExpanded] = useState<Set<string>>(new Set());
  const toggle = (id: string) =>
    setExpanded((old) => {
      const next = new Set(old);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  return (
    <Table.ScrollContainer minWidth={1040}>
      <Table verticalSpacing="sm" data-testid="turnaround-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Department</Table.Th>
            <Table.Th ta="right">Requests</Table.Th>
            <Table.Th ta="right">Completed</Table.Th>
            <Table.Th ta="right">First response (median / p90)</Table.Th>
            <Table.Th ta="right">Completion (median / p90)</Table.Th>
            <Table.Th ta="right">Within target</Table.Th>
            <Table.Th ta="right">Late</Table.Th>
            <Table.Th ta="right">Open now</Table.Th>
            <Table.Th ta="right">Overdue now</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {departments.map((d) => {
            const open = expanded.has(d.departmentId);
            return (
              <Fragment key={d.departmentId}>
                <Table.Tr data-testid="turnaround-row" data-department-id={d.departmentId}>
                  <Table.Td>
                    <Group gap={4} wrap="nowrap">
                      <ActionIcon
                        variant="subtle"
                        size="sm"
                        onClick={() => toggle(d.departmentId)}
                        aria-expanded={open}
                        aria-label={`${open ? 'Hide' : 'Show'} members of ${d.departmentName}`}
                        disabled={d.members.length === 0}
                      >
                        {open ? '▾' : '▸'}
                      </ActionIcon>
                      {departmentLink ? (
                        <Anchor component={Link} to={departmentLink(d.departmentId)} size="sm" fw={600}>
                          {d.departmentName}
                        </Anchor>
                      ) : (
                        <Text size="sm" fw={600}>
                          {d.departmentName}
                        </Text>
                      )}
                    </Group>
                  </Table.Td>
                  <FigureCells figures={d} owner={{ departmentId: d.departmentId, who: d.departmentName }} onOpen={onOpen} />
                </Table.Tr>
                {open &&
                  d.members.map((m) => (
                    <Table.Tr
                      key={`${d.departmentId}-${m.userId}`}
                      data-testid="turnaround-member-row"
                      data-member-id={m.userId}
                      bg="var(--mantine-color-default-hover)"
                    >
                      <Table.Td pl={40}>
                        <Text size="sm">{m.name}</Text>
                      </Table.Td>
                      <FigureCells
                        figures={m}
                        owner={{ departmentId: d.departmentId, memberId: m.userId, who: `${d.departmentName} · ${m.name}` }}
                        onOpen={onOpen}
                      />
                    </Table.Tr>
                  ))}
              </Fragment>
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
