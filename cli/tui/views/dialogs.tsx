import { useState } from 'react';
import { Box, Text } from 'ink';
import { ConfirmInput, Select, TextInput } from '@inkjs/ui';
import { parseDuration } from '../../duration.js';
import { UsageError } from '../../errors.js';
import { FAULT_BOUNDS, checkMs, checkPercent, faultAction } from '../../control/index.js';
import type { FaultField, FieldNaming } from '../../control/index.js';
import { FORM_KINDS, draftKindSpec } from '../fault-adapter.js';
import { FAULT_PRESETS, describeDraft } from '../state/commands.js';
import type { FaultDraft, FaultKind, MeshCommand } from '../state/types.js';
import { useTheme } from './theme.js';

/** Dialogs read their own keys (through @inkjs/ui); they report a command to run or a close. */
export interface DialogCallbacks {
  /** Runs a command, asking first when it is destructive (unless --yes). */
  readonly onCommand: (command: MeshCommand) => void;
  readonly onClose: () => void;
}

function Frame({ title, children }: { readonly title: string; readonly children: React.ReactNode }) {
  const theme = useTheme();
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1}>
      <Text bold color={theme.color('accent')}>
        {title}
      </Text>
      {children}
      <Text color={theme.color('dim')}>Esc cancels</Text>
    </Box>
  );
}

export function ConfirmDialog({
  prompt,
  onConfirm,
  onClose,
}: {
  readonly prompt: string;
  readonly onConfirm: () => void;
  readonly onClose: () => void;
}) {
  return (
    <Frame title="confirm">
      <Box gap={1}>
        <Text>{prompt}</Text>
        <ConfirmInput defaultChoice="cancel" onConfirm={onConfirm} onCancel={onClose} />
      </Box>
    </Frame>
  );
}

const CUSTOM = 'custom';

export function FaultMenu({
  target,
  onCommand,
  onCustom,
}: DialogCallbacks & { readonly target: string; readonly onCustom: () => void }) {
  return (
    <Frame title={`fault on ${target}`}>
      <Select
        visibleOptionCount={8}
        options={[
          ...FAULT_PRESETS.map((p, i) => ({ label: p.label, value: String(i) })),
          { label: 'custom… (kind, value, percent, TTL)', value: CUSTOM },
        ]}
        onChange={(value) => {
          if (value === CUSTOM) return onCustom();
          const preset = FAULT_PRESETS[Number(value)];
          if (preset !== undefined) onCommand({ type: 'add-fault', target, fault: preset.draft });
        }}
      />
    </Frame>
  );
}

type Step = 'kind' | 'value' | 'percent' | 'ttl';

/** The form's fields in messages; the value is quoted as typed. */
function formNaming(kind: FaultKind, text: string): FieldNaming<FaultField> {
  return {
    name: (field) => (field === 'ttlMs' ? 'TTL' : field === 'percent' ? 'percent' : (FORM_KINDS[kind].unit ?? field)),
    text: () => text,
  };
}

/**
 * Parses one field of the fault form; a message when the text is not acceptable. The bounds and
 * the wording are the control domain's, as for `meshdev fault add` (a 30h TTL is refused alike).
 */
export function parseFaultField(step: Exclude<Step, 'kind'>, text: string, kind: FaultKind): number | string {
  const t = text.trim();
  const naming = formNaming(kind, t);
  try {
    if (step === 'ttl') return checkMs('ttlMs', parseDuration(t, 'TTL'), naming, FAULT_BOUNDS.ttlMs);
    const n = Number(t.replace(/%$/, ''));
    if (t === '' || !Number.isFinite(n))
      return `${step === 'percent' ? 'percent' : (FORM_KINDS[kind].unit ?? step)}: a number please`;
    if (step === 'percent') return checkPercent(n, naming);
    // The kind's own rule checks its number, as it will when the fault is added.
    faultAction(draftKindSpec(kind, n), false, naming);
    return n;
  } catch (err) {
    if (err instanceof UsageError) return err.message;
    throw err;
  }
}

/** The small form: kind, then value (when the kind has one), percent and TTL, one field at a time. */
export function FaultForm({
  target,
  draft,
  onDraft,
  onCommand,
}: DialogCallbacks & {
  readonly target: string;
  readonly draft: FaultDraft;
  readonly onDraft: (draft: FaultDraft) => void;
}) {
  const theme = useTheme();
  const [step, setStep] = useState<Step>('kind');
  const [error, setError] = useState<string | undefined>(undefined);
  const unit = FORM_KINDS[draft.kind].unit;

  const field = (s: Exclude<Step, 'kind'>, label: string, initial: string, next: (v: number) => void) => (
    <Box gap={1}>
      <Text>{label}:</Text>
      <TextInput
        key={s}
        defaultValue={initial}
        onSubmit={(text) => {
          const v = parseFaultField(s, text, draft.kind);
          if (typeof v === 'string') return setError(v);
          setError(undefined);
          next(v);
        }}
      />
    </Box>
  );

  return (
    <Frame title={`custom fault on ${target} · ${describeDraft(draft)}`}>
      {step === 'kind' ? (
        <Select
          options={(Object.keys(FORM_KINDS) as FaultKind[]).map((kind) => ({
            label: FORM_KINDS[kind].label,
            value: kind,
          }))}
          onChange={(value) => {
            const kind = value as FaultKind;
            const initial = FORM_KINDS[kind].initial;
            onDraft({ ...draft, kind, value: initial });
            setStep(initial === undefined ? 'percent' : 'value');
          }}
        />
      ) : null}
      {step === 'value'
        ? field('value', unit ?? 'value', String(draft.value ?? ''), (v) => {
            onDraft({ ...draft, value: v });
            setStep('percent');
          })
        : null}
      {step === 'percent'
        ? field('percent', 'percent of requests', String(draft.percent), (v) => {
            onDraft({ ...draft, percent: v });
            setStep('ttl');
          })
        : null}
      {step === 'ttl'
        ? field('ttl', 'TTL', `${Math.round(draft.ttlMs / 1000)}s`, (v) =>
            onCommand({ type: 'add-fault', target, fault: { ...draft, ttlMs: v } }),
          )
        : null}
      {error === undefined ? null : <Text color={theme.color('bad')}>{error}</Text>}
    </Frame>
  );
}

export function PartitionPicker({
  from,
  services,
  onCommand,
}: DialogCallbacks & { readonly from: string; readonly services: readonly string[] }) {
  const others = services.filter((s) => s !== from);
  return (
    <Frame title={`partition ${from} from… (60s)`}>
      <Select
        options={others.map((s) => ({ label: s, value: s }))}
        onChange={(to) => onCommand({ type: 'partition', from, to, ttlMs: 60_000 })}
      />
    </Frame>
  );
}

export function TrafficMenu({ paused, onCommand }: DialogCallbacks & { readonly paused: boolean | undefined }) {
  const [askRate, setAskRate] = useState(false);
  const theme = useTheme();
  const [error, setError] = useState<string | undefined>(undefined);
  return (
    <Frame title="traffic (load generator)">
      {askRate ? (
        <Box gap={1}>
          <Text>requests per second:</Text>
          <TextInput
            placeholder="e.g. 50"
            onSubmit={(text) => {
              const rate = Number(text.trim());
              if (text.trim() === '' || !Number.isFinite(rate) || rate < 0 || rate > 10_000) {
                return setError('a number from 0 to 10000');
              }
              onCommand({ type: 'set-rate', rate });
            }}
          />
        </Box>
      ) : (
        <Select
          options={[
            paused ? { label: 'resume traffic', value: 'resume' } : { label: 'pause traffic', value: 'pause' },
            { label: 'set rate…', value: 'rate' },
          ]}
          onChange={(v) => {
            if (v === 'rate') return setAskRate(true);
            onCommand({ type: v === 'pause' ? 'pause-traffic' : 'resume-traffic' });
          }}
        />
      )}
      {error === undefined ? null : <Text color={theme.color('bad')}>{error}</Text>}
    </Frame>
  );
}

export function FilterInput({
  filter,
  onChange,
  onClose,
}: {
  readonly filter: string;
  readonly onChange: (text: string) => void;
  readonly onClose: () => void;
}) {
  return (
    <Box gap={1}>
      <Text>/</Text>
      <TextInput defaultValue={filter} placeholder="service or instance" onChange={onChange} onSubmit={onClose} />
    </Box>
  );
}
