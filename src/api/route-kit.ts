/**
 * Declares an /api route once: its zod schemas validate params, query and body, its role is
 * enforced, and the same schemas generate the OpenAPI document at /api/openapi.json.
 */
import express, { type Request, type Response, type Router } from 'express';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { authenticate, type Principal } from './auth.ts';
import type { Role } from './token-store.ts';

type Method = 'get' | 'post' | 'put' | 'delete';
const EMPTY = z.object({});
type Empty = typeof EMPTY;

export interface RouteDef<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  method: Method;
  path: string;
  summary: string;
  tag: string;
  /** Minimum role: viewers read, admins change settings and credentials. */
  role: Role;
  params?: P;
  query?: Q;
  body?: B;
  response?: z.ZodType;
  status?: number;
}

export interface RouteInput<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  params: z.output<P>;
  query: z.output<Q>;
  body: z.output<B>;
  principal: Principal;
  req: Request;
  res: Response;
}

interface DocEntry {
  method: Method;
  path: string;
  summary: string;
  tag: string;
  role: Role;
  params: z.ZodType;
  query: z.ZodType;
  body: z.ZodType | null;
  response: z.ZodType | null;
  status: number;
}

type JsonSchema = { properties?: Record<string, unknown>; required?: string[] } & Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const out = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  delete out.$schema;
  return out;
}

export class ApiRoutes {
  readonly router: Router = express.Router();
  private readonly docs: DocEntry[] = [];

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  add<P extends z.ZodType = Empty, Q extends z.ZodType = Empty, B extends z.ZodType = Empty>(
    def: RouteDef<P, Q, B>,
    handler: (input: RouteInput<P, Q, B>) => Promise<unknown>,
  ): void {
    const params: z.ZodType = def.params ?? EMPTY;
    const query: z.ZodType = def.query ?? EMPTY;
    const body: z.ZodType = def.body ?? EMPTY;
    this.docs.push({ method: def.method, path: def.path, summary: def.summary, tag: def.tag, role: def.role, params, query, body: def.body ?? null, response: def.response ?? null, status: def.status ?? 200 });
    this.router[def.method](def.path, authenticate(this.redis, this.prefix, def.role), async (req: Request, res: Response, next) => {
      try {
        const principal = res.locals.principal as Principal;
        const input = {
          params: params.parse(req.params) as z.output<P>,
          query: query.parse(req.query) as z.output<Q>,
          body: body.parse(req.body ?? {}) as z.output<B>,
          principal,
          req,
          res,
        };
        const result = await handler(input);
        if (!res.headersSent) res.status(def.status ?? 200).json(result);
      } catch (err) {
        next(err);
      }
    });
  }

  openapi(info: { title: string; version: string }): Record<string, unknown> {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const d of this.docs) {
      const path = `/api${d.path.replace(/:([A-Za-z_]+)/g, '{$1}')}`;
      const parameters: unknown[] = [];
      for (const [where, schema] of [['path', d.params], ['query', d.query]] as const) {
        const js = jsonSchema(schema, 'input');
        for (const [name, prop] of Object.entries(js.properties ?? {})) {
          parameters.push({ name, in: where, required: where === 'path' || (js.required ?? []).includes(name), schema: prop });
        }
      }
      const responses: Record<string, unknown> = {
        [String(d.status)]: { description: 'success', ...(d.response ? { content: { 'application/json': { schema: jsonSchema(d.response, 'output') } } } : {}) },
        '400': { description: 'invalid request: the message names each field to fix' },
        '401': { description: 'no or unknown token' },
        '403': { description: d.role === 'admin' ? 'not an admin, or CSRF header missing (console)' : 'CSRF header missing (console)' },
        '429': { description: 'more than 10 failed authentications in a minute from this client' },
      };
      paths[path] = {
        ...(paths[path] ?? {}),
        [d.method]: {
          summary: d.summary,
          tags: [d.tag],
          description: `Role: ${d.role === 'admin' ? 'admin' : 'viewer or admin'}.`,
          parameters,
          ...(d.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(d.body, 'input') } } } } : {}),
          responses,
        },
      };
    }
    return {
      openapi: '3.1.0',
      info,
      servers: [{ url: '/' }],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'npm run tidemark -- tokens create --role admin|viewer' },
          consoleSession: { type: 'apiKey', in: 'cookie', name: 'tm_session', description: 'console session; state-changing requests also need X-CSRF-Token' },
        },
      },
      security: [{ bearer: [] }, { consoleSession: [] }],
      paths,
    };
  }
}
