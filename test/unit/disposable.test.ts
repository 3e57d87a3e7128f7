import * as assert from 'assert';
import { Disposable } from '../../src/common/disposable';

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

  it('rethrows a single failure as itself, not wrapped', () => {
    const owner = new Owner();
    const broken = new Error('only one');
    owner.add(() => undefined);
    owner.add(() => {
      throw broken;
    });
    assert.throws(() => owner.dispose(), (error: unknown) => error === broken);
  });

  it('disposes every member around several failures and keeps their errors in disposal order', () => {
    const disposed: string[] = [];
    const owner = new Owner();
    const failures = ['first registered', 'second registered'].map((message) => new Error(message));
    owner.add(() => disposed.push('a'));
    owner.add(() => {
      disposed.push('b');
      throw failures[0];
    });
    owner.add(() => disposed.push('c'));
    owner.add(() => {
      disposed.push('d');
      throw failures[1];
    });
    owner.add(() => disposed.push('e'));
    assert.throws(
      () => owner.dispose(),
      (error: unknown) => error instanceof AggregateError && error.errors[0] === failures[1] && error.errors[1] === failures[0] && /2 disposables/.test(error.message),
    );
    assert.deepStrictEqual(disposed, ['e', 'd', 'c', 'b', 'a']);
  });

  it('disposes at once what is registered after disposal', () => {
    const owner = new Owner();
    owner.dispose();
    let disposed = false;
    owner.add(() => (disposed = true));
    assert.strictEqual(disposed, true);
  });
});
