/**
 * Model tests on the bundled model (models/lens-coder, trained by tools/model, see its
 * MODEL_CARD.md): the same conformance suite as the tiny fixture, through transformers.js on `cpu`.
 */
import * as path from 'path';
import { describeLensModel, repoRoot } from './tinyFixtureModel.test';

describeLensModel('bundled model (models/lens-coder)', path.join(repoRoot(), 'models', 'lens-coder'), { newTokens: 32 });
