// The microphone and speakers a call uses, chosen from the browser's devices.
import { useId } from 'react';

import { useAudioDevices } from '../hooks/useAudioDevices';

interface DevicePickerProps {
  readonly inputId: string;
  readonly outputId: string;
  /** Changes when the device list may have changed (labels come with the microphone's permission). */
  readonly refresh: unknown;
  readonly onInput: (deviceId: string) => void;
  readonly onOutput: (deviceId: string) => void;
}

const named = (devices: readonly MediaDeviceInfo[], kind: string) =>
  devices.filter((d) => d.deviceId && d.deviceId !== 'default').map((d, i) => ({ id: d.deviceId, label: d.label || `${kind} ${i + 1}` }));

/** One labelled list of devices of a kind, the system's default first. */
function DeviceSelect({ kind, devices, value, onChange }: { kind: 'Microphone' | 'Speakers'; devices: readonly MediaDeviceInfo[]; value: string; onChange: (deviceId: string) => void }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{kind}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">Default {kind.toLowerCase()}</option>
        {named(devices, kind).map((d) => (
          <option key={d.id} value={d.id}>
            {d.label}
          </option>
        ))}
      </select>
    </div>
  );
}

export function DevicePicker({ inputId, outputId, refresh, onInput, onOutput }: DevicePickerProps) {
  const { inputs, outputs } = useAudioDevices(refresh);
  return (
    <div className="devices">
      <DeviceSelect kind="Microphone" devices={inputs} value={inputId} onChange={onInput} />
      <DeviceSelect kind="Speakers" devices={outputs} value={outputId} onChange={onOutput} />
    </div>
  );
}
