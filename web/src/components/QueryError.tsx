import { Alert, Button, Group, Text } from '@mantine/core';
import { describeError } from '../api';

/** A failed load, with its reason and a way to try again. */
export function QueryError({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  return (
    <Alert color="red" title="Could not load this">
      <Group justify="space-between" wrap="nowrap">
        <Text size="sm">{describeError(error)}</Text>
        {onRetry && (
          <Button size="xs" variant="white" color="red" onClick={onRetry}>
            Try again
          </Button>
        )}
      </Group>
    </Alert>
  );
}
