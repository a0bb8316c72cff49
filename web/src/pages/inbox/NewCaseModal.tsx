// "New case": an agent logs a contact by hand (a call, a walk-in, an email to a personal address).
import { Button, Group, Modal, Select, SimpleGrid, Stack, TextInput, Textarea } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import type { CasePriority, CaseType, Channel } from '../../api-types';
import { createCase, type NewCaseInput } from '../../case-api';
import { CHANNEL_LABELS, PRIORITY_LABELS, TYPE_LABELS, optionsOf } from '../../cases/labels';
import { FormError } from '../../components/FormError';
import { notifySuccess } from '../../notify';
import { queryKeys } from '../../query-keys';

const MANUAL_CHANNELS: readonly Channel[] = ['phone', 'email', 'walk_in', 'chat', 'sms', 'messaging', 'web', 'internal'];

export function NewCaseModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  return (
    <Modal opened={opened} onClose={onClose} title="New case" size="lg">
      {opened && <NewCaseForm onDone={onClose} />}
    </Modal>
  );
}

function NewCaseForm({ onDone }: { onDone: () => void }) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState('');
  const [phone, setPhone] = useState('');
  const [name, setName] = useState('');
  const [subject, setSubject] = useState('');
  const [message, setMessage] = useState('');
  const [priority, setPriority] = useState<CasePriority>('normal');
  const [type, setType] = useState<CaseType>('question');
  const [channel, setChannel] = useState<Channel>('phone');
  const [localError, setLocalError] = useState<string | null>(null);

  const create = useMutation({
    mutationFn: (input: NewCaseInput) => createCase(input),
    onSuccess: (created) => {
      notifySuccess(`Case #${created.number} created.`);
      void queryClient.invalidateQueries({ queryKey: queryKeys.caseLists });
      void queryClient.invalidateQueries({ queryKey: queryKeys.views });
      queryClient.setQueryData(queryKeys.case(created.id), created);
      onDone();
      void navigate(`/cases/${created.id}`);
    },
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!email.trim() && !phone.trim()) {
      setLocalError('Give the requester’s email address or phone number.');
      return;
    }
    setLocalError(null);
    create.mutate({
      subject: subject.trim(),
      requester: {
        ...(email.trim() ? { email: email.trim() } : {}),
        ...(phone.trim() ? { phone: phone.trim() } : {}),
        ...(name.trim() ? { name: name.trim() } : {}),
      },
      ...(message.trim() ? { message: { body: message.trim() } } : {}),
      priority,
      type,
      channel,
    });
  };

  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput
            label="Requester email"
            name="requesterEmail"
            type="email"
            value={email}
            onChange={(e) => setEmail(e.currentTarget.value)}
            data-autofocus
          />
          <TextInput label="Requester name" name="requesterName" value={name} onChange={(e) => setName(e.currentTarget.value)} />
          <TextInput
            label="Requester phone"
            name="requesterPhone"
            type="tel"
            value={phone}
            onChange={(e) => setPhone(e.currentTarget.value)}
          />
        </SimpleGrid>
        <TextInput
          label="Subject"
          name="subject"
          required
          maxLength={500}
          value={subject}
          onChange={(e) => setSubject(e.currentTarget.value)}
        />
        <Textarea
          label="Customer's message"
          description="What the customer said, in their words (optional)."
          name="message"
          autosize
          minRows={4}
          maxRows={12}
          value={message}
          onChange={(e) => setMessage(e.currentTarget.value)}
        />
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <Select
            label="Priority"
            data={optionsOf(PRIORITY_LABELS)}
            value={priority}
            onChange={(v) => v && setPriority(v as CasePriority)}
            allowDeselect={false}
          />
          <Select
            label="Type"
            data={optionsOf(TYPE_LABELS)}
            value={type}
            onChange={(v) => v && setType(v as CaseType)}
            allowDeselect={false}
          />
          <Select
            label="Channel"
            data={optionsOf(CHANNEL_LABELS, MANUAL_CHANNELS)}
            value={channel}
            onChange={(v) => v && setChannel(v as Channel)}
            allowDeselect={false}
          />
        </SimpleGrid>
        {localError && <FormError error={new Error(localError)} />}
        <FormError error={create.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={create.isPending} disabled={!subject.trim()}>
            Create case
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
