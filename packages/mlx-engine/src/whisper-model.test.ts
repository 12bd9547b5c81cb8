import { EngineError, InvalidArgumentError } from '@verbatim/core';
import { describe, expect, it } from 'vitest';
import { FAKE_DIMS, FakeNativeModel, fakeMel } from './test-support/fake-native.js';
import { WhisperModel } from './whisper-model.js';

function fakeModel(delayMs?: number): { model: WhisperModel; native: FakeNativeModel } {
  const native = new FakeNativeModel(delayMs);
  return { model: new WhisperModel(native, '/models/fake'), native };
}

async function fakeSession(model: WhisperModel, nBatch = 2) {
  const output = await model.encode(fakeMel(nBatch), nBatch);
  return { output, session: model.newDecoderSession(output) };
}

/** Asserts that `call` throws InvalidArgumentError at once, with a message containing each of `parts`. */
function expectInvalid(call: () => unknown, ...parts: string[]): void {
  let thrown: unknown;
  try {
    call();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(InvalidArgumentError);
  expect((thrown as InvalidArgumentError).code).toBe('E_INVALID_ARG');
  for (const part of parts) expect((thrown as Error).message).toContain(part);
}

describe('WhisperModel info', () => {
  it('echoes the path and the native info', () => {
    const { model } = fakeModel();
    expect(model.info).toMatchObject({ path: '/models/fake', dims: FAKE_DIMS, backend: 'cpu', threads: 1 });
    expect(Object.isFrozen(model.info)).toBe(true);
  });
});

describe('argument validation (throws at once, naming the value)', () => {
  it('logMel takes a Float32Array', () => {
    const { model } = fakeModel();
    expectInvalid(() => model.logMel(new Float64Array(3) as never), '[logMel] samples', 'Float64Array(3)');
    expectInvalid(() => model.logMel([0.1, 0.2] as never), 'an Array(2)');
    expectInvalid(() => model.logMel(undefined as never), 'got undefined');
  });

  it('encode takes a positive integer batch and exactly batch × nMels × 3000 floats', () => {
    const { model } = fakeModel();
    for (const [batch, shown] of [
      [0, '0'],
      [-1, '-1'],
      [1.5, '1.5'],
      [Number.NaN, 'NaN'],
      ['1', '"1"'],
    ]) {
      expectInvalid(() => model.encode(fakeMel(1), batch as never), '[encode] batch', `got ${shown}`);
    }
    expectInvalid(() => model.encode(new Float32Array(10), 1), '[encode] mel', '240000', 'Float32Array(10)');
    expectInvalid(() => model.encode(fakeMel(1), 2), '2 × 80 × 3000 = 480000', 'Float32Array(240000)');
    expectInvalid(() => model.encode(new Int16Array(240000) as never, 1), 'Int16Array(240000)');
  });

  it('encodeSamples takes 1 to 65536 Float32Array windows, and its output starts decoder sessions', async () => {
    const { model, native } = fakeModel();
    expectInvalid(() => model.encodeSamples([]), '[encodeSamples] windows', 'got an Array(0)');
    expectInvalid(() => model.encodeSamples(Float32Array.of(1) as never), 'got Float32Array(1)');
    expectInvalid(
      () => model.encodeSamples([Float32Array.of(1), [1] as never]),
      '[encodeSamples] windows[1]',
    );
    const output = await model.encodeSamples([new Float32Array(0), Float32Array.of(0.5, 0.25)]);
    expect(output.nBatch).toBe(2);
    expect(model.newDecoderSession(output).nBatch).toBe(2);
    expect(native.engine.started).toEqual(['encodeSamples']);
  });

  it('newDecoderSession takes an encoder output of the same model', async () => {
    const { model } = fakeModel();
    const other = fakeModel().model;
    const output = await other.encode(fakeMel(1), 1);
    expectInvalid(() => model.newDecoderSession({} as never), 'must be an EncoderOutput');
    expectInvalid(() => model.newDecoderSession(output), 'belongs to another model');
  });

  it('append checks tokens, nNew, token ids, the context length and options', async () => {
    const { model } = fakeModel();
    const { session } = await fakeSession(model, 2);
    expectInvalid(
      () => session.append([1, 2] as never, 1),
      '[append] tokens',
      'an Int32Array',
      'an Array(2)',
    );
    expectInvalid(() => session.append(new Int32Array(2), 0), 'nNew', 'got 0');
    expectInvalid(() => session.append(new Int32Array(3), 1), 'nBatch × nNew = 2 × 1 = 2', 'got 3');
    expectInvalid(() => session.append(Int32Array.of(0, FAKE_DIMS.nVocab), 1), 'tokens[1]', '[0, 5)', '5');
    expectInvalid(() => session.append(Int32Array.of(-1, 0), 1), 'tokens[0]', '-1');
    expectInvalid(() => session.append(new Int32Array(2), 1, { all: 'yes' as never }), 'options.all');
    await session.append(new Int32Array(2 * 4), 4);
    expectInvalid(() => session.append(new Int32Array(2 * 3), 3), 'exceed nTextCtx = 6', '4 + 3');
  });

  it('truncate and length check the sequence index and length', async () => {
    const { model } = fakeModel();
    const { session } = await fakeSession(model, 2);
    expectInvalid(() => session.length(2), '[length] index', 'got 2');
    expectInvalid(() => session.truncate(-1, 0), '[truncate] index', 'got -1');
    expectInvalid(() => session.truncate(0, 1), '[truncate] length', 'in [0, 0]', 'got 1');
  });
});

describe('serialisation', () => {
  it('runs calls made without waiting one at a time, in call order', async () => {
    const { model, native } = fakeModel();
    const results = await Promise.all([
      model.logMel(new Float32Array(16000)),
      model.encode(fakeMel(1), 1),
      model.logMel(new Float32Array(0)),
    ]);
    expect(results[0]).toHaveLength(FAKE_DIMS.nMels * 3000);
    expect(native.engine.started).toEqual(['logMel', 'encode', 'logMel']);
  });

  it('counts lengths at once and applies truncate in order with appends', async () => {
    const { model, native } = fakeModel();
    const { session } = await fakeSession(model, 2);
    const first = session.append(new Int32Array(2 * 2), 2);
    expect(session.length(0)).toBe(2);
    session.truncate(1, 1);
    const second = session.append(Int32Array.of(3, 4), 1, { all: true });
    expect([session.length(0), session.length(1)]).toEqual([3, 2]);
    await Promise.all([first, second]);
    expect(native.engine.started).toEqual(['encode', 'append', 'truncate', 'append']);
    expect((await second).length).toBe(2 * FAKE_DIMS.nVocab);
  });

  it('maps native failures to @verbatim/core errors', async () => {
    const { model, native } = fakeModel();
    native.engine.failNext = { operation: 'logMel', code: 'E_BACKEND' };
    const failure = model.logMel(new Float32Array(1));
    await expect(failure).rejects.toBeInstanceOf(EngineError);
    await expect(failure).rejects.toMatchObject({ code: 'E_BACKEND', message: '[logMel] injected failure' });
    await expect(model.logMel(new Float32Array(1))).resolves.toHaveLength(FAKE_DIMS.nMels * 3000);
  });

  it('refuses further use of a session after a failed append', async () => {
    const { model, native } = fakeModel();
    const { session } = await fakeSession(model, 1);
    native.engine.failNext = { operation: 'append', code: 'E_OOM' };
    await expect(session.append(Int32Array.of(1), 1)).rejects.toMatchObject({ code: 'E_OOM' });
    await expect(session.append(Int32Array.of(1), 1)).rejects.toMatchObject({
      code: 'E_OOM',
      message: expect.stringContaining('unusable after an earlier failure'),
    });
  });
});

describe('dispose', () => {
  it('is idempotent', async () => {
    const { model, native } = fakeModel();
    const first = model.dispose();
    expect(model.dispose()).toBe(first);
    await first;
    await model[Symbol.asyncDispose]();
    expect(native.engine.freed).toEqual(['model']);
  });

  it('waits for work in flight, which completes normally', async () => {
    const { model } = fakeModel(20);
    const settled: string[] = [];
    const mel = model.logMel(new Float32Array(1)).then(() => settled.push('logMel'));
    const encoded = model.encode(fakeMel(1), 1).then(() => settled.push('encode'));
    await model.dispose().then(() => settled.push('dispose'));
    await Promise.all([mel, encoded]);
    expect(settled).toEqual(['logMel', 'encode', 'dispose']);
  });

  it('rejects later calls with E_DISPOSED, on the model and on what it handed out', async () => {
    const { model } = fakeModel();
    const { output, session } = await fakeSession(model, 1);
    await model.dispose();
    const disposed = { code: 'E_DISPOSED' };
    await expect(model.logMel(new Float32Array(1))).rejects.toMatchObject(disposed);
    await expect(model.encode(fakeMel(1), 1)).rejects.toBeInstanceOf(EngineError);
    await expect(model.encodeSamples([new Float32Array(1)])).rejects.toMatchObject(disposed);
    await expect(output.toFloat32Array()).rejects.toMatchObject(disposed);
    await expect(session.append(Int32Array.of(1), 1)).rejects.toMatchObject(disposed);
    expect(() => model.newDecoderSession(output)).toThrow(expect.objectContaining(disposed));
    expect(() => session.length(0)).toThrow(expect.objectContaining(disposed));
    expect(() => session.truncate(0, 0)).toThrow(expect.objectContaining(disposed));
    expect([model.disposed, output.disposed, session.disposed]).toEqual([true, true, true]);
  });

  it("frees the model's outputs and sessions first, including one an encode in flight hands out", async () => {
    const { model, native } = fakeModel();
    const { output } = await fakeSession(model, 1);
    await output.dispose();
    const late = model.encode(fakeMel(1), 1);
    await model.dispose();
    expect(native.engine.freed).toEqual(['encoder output', 'session', 'encoder output', 'model']);
    expect((await late).disposed).toBe(true);
  });

  it('disposes an encoder output or session on its own, after its calls in flight', async () => {
    const { model, native } = fakeModel();
    const { output, session } = await fakeSession(model, 1);
    const logits = session.append(Int32Array.of(2), 1);
    await session.dispose();
    await expect(logits).resolves.toHaveLength(FAKE_DIMS.nVocab);
    await expect(session.append(Int32Array.of(2), 1)).rejects.toMatchObject({ code: 'E_DISPOSED' });
    await output[Symbol.asyncDispose]();
    await expect(output.toFloat32Array()).rejects.toMatchObject({
      message: '[toFloat32Array] the encoder output was disposed',
    });
    expect(native.engine.freed).toEqual(['session', 'encoder output']);
    await expect(model.logMel(new Float32Array(1))).resolves.toBeInstanceOf(Float32Array);
  });
});
