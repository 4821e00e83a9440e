import { packageConfig } from '../../tooling/vitest/shared.js';

export default packageConfig('demo');
