import {UserError} from '../core/errors.js';

/** Asks for a secret on a terminal without echoing it (headless commands; the wizard has its own masked field). */
export function promptHidden(question: string, input: NodeJS.ReadStream, output: NodeJS.WriteStream): Promise<string> {
	return new Promise((resolve, reject) => {
		output.write(question);
		const wasRaw = input.isRaw;
		input.setRawMode?.(true);
		input.resume();
		let secret = '';
		const finish = (error?: Error) => {
			input.off('data', onData);
			input.setRawMode?.(wasRaw);
			input.pause();
			output.write('\n');
			if (error) reject(error);
			else resolve(secret);
		};
		const onData = (chunk: Buffer) => {
			for (const char of chunk.toString('utf8')) {
				if (char === '\r' || char === '\n') return finish();
				if (char === '\u0003')
					return finish(new UserError('interrupted', 'Interrupted at the password prompt: nothing was done.'));
				if (char === '\u007f' || char === '\b') secret = secret.slice(0, -1);
				else secret += char;
			}
		};
		input.on('data', onData);
	});
}
