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

export function DevicePicker({ inputId, outputId, refresh, onInput, onOutput }: DevicePickerProps) {
  const id = useId();
  const { inputs, outputs } = useAudioDevices(refresh);
  return (
    <div className="devices">
      <div className="field">
        <label htmlFor={`${id}-in`}>Microphone</label>
        <select id={`${id}-in`} value={inputId} onChange={(e) => onInput(e.target.value)}>
          <option value="">Default microphone</option>
          {named(inputs, 'Microphone').map((d) => (
            <option key={d.id} value={d.id}>
              {d.label}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-out`}>Speakers</label>
        <select id={`${id}-out`} value={outputId} onChange={(e) => onOutput(e.target.value)}>
          <option value="">Default speakers</option>
          {named(outputs, 'Speakers').map((d) => (
            <option key={d.id} value={d.id}>
              {d.label}
            </option>
          ))}
        </select>
      </div>
    </div>
  );
}
