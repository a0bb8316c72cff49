// Toasts for the outcome of actions taken outside a form (forms show their errors inline).
import { notifications } from '@mantine/notifications';
import { describeError } from './api';

export function notifySuccess(message: string): void {
  notifications.show({ color: 'teal', message });
}

export function notifyError(error: unknown, title = 'That did not work'): void {
  notifications.show({ color: 'red', title, message: describeError(error) });
}
