import type { ArgumentsOf, ObjectSchema, ToolDefinition } from './tool.types.js';

// The assertions here are the compiler's: `npx tsc` fails if an @ts-expect-error line stops being an error.
const inputSchema = {
  type: 'object',
  properties: {
    sql: { type: 'string', minLength: 1 },
    maxRows: { type: 'integer', minimum: 1, default: 100 },
    catalog: { type: 'string' },
  },
  required: ['sql'],
  additionalProperties: false,
} as const satisfies ObjectSchema;

type Args = ArgumentsOf<typeof inputSchema>;

const tool: ToolDefinition<Args> = {
  name: 'example_query',
  title: 'Example',
  description: 'Typed from its schema',
  inputSchema,
  annotations: {},
  async handler(args) {
    const rows: number = args.maxRows; // defaulted: always present
    const catalog: string | undefined = args.catalog; // optional without a default
    // @ts-expect-error -- the schema defines no `schema` argument
    void args.schema;
    // @ts-expect-error -- `sql` is a string, not a number
    const wrong: number = args.sql;
    return { text: `${args.sql} ${rows} ${catalog ?? ''} ${wrong}` };
  },
};

describe('ArgumentsOf', () => {
  it('types handler arguments from the schema: required and defaulted present, others optional', async () => {
    const args: Args = { sql: 'SELECT 1', maxRows: 5 };
    // @ts-expect-error -- `sql` is required
    const missing: Args = { maxRows: 5 };
    expect(missing).toBeDefined();
    const output = await tool.handler(args, {
      signal: new AbortController().signal,
      reportProgress: () => undefined,
      principal: { subject: 's', scopes: [], authenticated: false },
      transport: 'rest',
    });
    expect(output.text).toBe('SELECT 1 5  SELECT 1');
  });
});
