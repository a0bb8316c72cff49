import { Alert } from '@mantine/core';
import { describeError } from '../api';

/** The API's message for a failed form submission; role="alert" so it is announced. */
export function FormError({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <Alert color="red" variant="light" role="alert">
      {describeError(error)}
    </Alert>
  );
}
