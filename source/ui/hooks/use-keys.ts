import {
	createContext,
	createElement,
	useCallback,
	useContext,
	useEffect,
	useLayoutEffect,
	useMemo,
	useRef,
	useState,
	type ReactNode,
} from 'react';
import {useInput, type Key} from 'ink';
import {splitKeys, type KeyPress} from '../keys/split-keys.js';

export type KeyHandler = (input: string, key: Key) => void;

interface Registry {
	add(handler: {current: KeyHandler}): () => void;
}

const KeysContext = createContext<Registry | undefined>(undefined);

/**
 * The wizard's one keyboard reader. Ink calls every `useInput` handler for each key of a read
 * straight away, before React has re-rendered: a handler then still sees the state from before
 * the previous key, so `Down Down Down` sent together moved once and `Down Down Enter` chose the
 * first entry. Here the keys of a read are queued and handed out one per render, in order, to the
 * handlers registered with `useKeys`, so each key acts on what the one before it did.
 */
export function KeysProvider({children}: {children: ReactNode}) {
	const handlers = useRef(new Set<{current: KeyHandler}>());
	const queue = useRef<KeyPress[]>([]);
	const [delivered, setDelivered] = useState(0);
	const registry = useMemo<Registry>(
		() => ({
			add(handler) {
				handlers.current.add(handler);
				return () => handlers.current.delete(handler);
			},
		}),
		[],
	);
	/** A key was handed out and its render has not finished yet: later keys wait in the queue. */
	const waiting = useRef(false);
	const deliverNext = useCallback(() => {
		const next = queue.current.shift();
		waiting.current = next !== undefined;
		if (!next) return;
		for (const handler of [...handlers.current]) handler.current(next.input, next.key);
		// Re-render even if no handler changed anything, so the effect below hands out the next key.
		setDelivered((count) => count + 1);
	}, []);
	useInput((input, key) => {
		queue.current.push(...splitKeys(input, key));
		if (!waiting.current) deliverNext();
	});
	// biome-ignore lint/correctness/useExhaustiveDependencies: `delivered` is the trigger: each delivery's render hands out the next key.
	useEffect(() => {
		if (!waiting.current) return;
		// From a fresh task: handlers registered and updated by this render's effects are in place.
		const timer = setImmediate(deliverNext);
		return () => clearImmediate(timer);
	}, [delivered, deliverNext]);
	return createElement(KeysContext.Provider, {value: registry}, children);
}

/**
 * `useInput` for the wizard: one call per key even when keys arrive together, each after the
 * previous one's re-render. Outside a KeysProvider (a component tested alone) it falls back to
 * Ink's input, split into keys.
 */
export function useKeys(handler: KeyHandler, options: {isActive?: boolean} = {}): void {
	const registry = useContext(KeysContext);
	const isActive = options.isActive ?? true;
	const latest = useRef(handler);
	useLayoutEffect(() => {
		latest.current = handler;
	});
	useEffect(() => {
		if (!registry || !isActive) return;
		return registry.add(latest);
	}, [registry, isActive]);
	useInput(
		(input, key) => {
			for (const press of splitKeys(input, key)) latest.current(press.input, press.key);
		},
		{isActive: isActive && !registry},
	);
}
