import {defineConfig} from 'vitest/config';

export default defineConfig({
	test: {
		include: ['test/**/*.test.{ts,tsx}'],
		// One PostgreSQL cluster per run (18, plus 15 where its binaries exist), fresh databases per test.
		globalSetup: ['test/support/global-setup.ts'],
		testTimeout: 60_000,
		hookTimeout: 120_000,
		// Ink renders only a final frame under CI=true; the component tests read every frame.
		env: {CI: 'false', CONTINUOUS_INTEGRATION: 'false'},
		pool: 'forks',
		maxWorkers: 2,
	},
});
