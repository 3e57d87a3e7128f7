import * as assert from 'assert';
import { Disposable } from '../../src/host/disposable';

class Owner extends Disposable {
  add(dispose: () => void): void {
    this.register({ dispose });
  }
}

describe('Disposable', () => {
  it('disposes in reverse order of registration', () => {
    const order: number[] = [];
    const owner = new Owner();
    [1, 2, 3].forEach((n) => owner.add(() => order.push(n)));
    owner.dispose();
    assert.deepStrictEqual(order, [3, 2, 1]);
  });

  it('disposes the others when one throws, then throws its error', () => {
    const disposed: number[] = [];
    const owner = new Owner();
    owner.add(() => disposed.push(1));
    owner.add(() => {
      throw new Error('broken listener');
    });
    owner.add(() => disposed.push(3));
    assert.throws(() => owner.dispose(), /broken listener/);
    assert.deepStrictEqual(disposed, [3, 1]);
  });

  it('collects several failures into one AggregateError and disposes once', () => {
    const owner = new Owner();
    let calls = 0;
    owner.add(() => {
      calls++;
      throw new Error('a');
    });
    owner.add(() => {
      calls++;
      throw new Error('b');
    });
    assert.throws(() => owner.dispose(), (error: unknown) => error instanceof AggregateError && error.errors.length === 2);
    owner.dispose();
    assert.strictEqual(calls, 2);
  });
});
