/**
 * OAuth2 token endpoint (POST /services/oauth2/token, form body, chunked accepted): client
 * credentials, refresh token, JWT bearer and username-password, with the access tokens' expiry on
 * the emulator clock, and the REST guard that checks them and spends the daily API budget.
 */
import { randomBytes } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import { baseUrlOf, type EmulatorClock, type EmulatorKit } from '../../../src/sandbox/emulator-kit/index.ts';
import { sendError, sendJson } from './errors.ts';

export const SANDBOX_CLIENT_ID = 'sandbox';
export const SANDBOX_CLIENT_SECRET = 'sandbox';
export const ORG_ID = '00D000000000001EAA';
export const INTEGRATION_USER_ID = '005000000000001AAA';
export const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

const formSchema = z.looseObject({
  grant_type: z.string().optional(),
  client_id: z.string().optional(),
  client_secret: z.string().optional(),
  refresh_token: z.string().optional(),
  assertion: z.string().optional(),
  username: z.string().optional(),
  password: z.string().optional(),
});

const jwtHeaderSchema = z.looseObject({ alg: z.literal('RS256') });

const jwtClaimsSchema = z.object({
  iss: z.string(),
  sub: z.string().min(1),
  aud: z.string().min(1),
  exp: z.number(),
});

/** The daily API request budget shared by every authenticated REST call. */
export class ApiBudget {
  used = 0;
  constructor(public max: number) {}

  set(max: number, remaining: number): void {
    this.max = max;
    this.used = Math.max(0, max - remaining);
  }

  remaining(): number {
    return Math.max(0, this.max - this.used);
  }

  header(): string {
    return `api-usage=${this.used}/${this.max}`;
  }
}

export class TokenRegistry {
  private readonly access = new Map<string, number>();
  private readonly refresh = new Set<string>();

  constructor(
    private readonly clock: EmulatorClock,
    private readonly lifetimeMs: number,
  ) {}

  issueAccess(): string {
    const token = `${ORG_ID.slice(0, 15)}!${randomBytes(24).toString('base64url')}`;
    this.access.set(token, this.clock.now() + this.lifetimeMs);
    return token;
  }

  issueRefresh(): string {
    const token = `5Aep${randomBytes(24).toString('base64url')}`;
    this.refresh.add(token);
    return token;
  }

  hasRefresh(token: string): boolean {
    return this.refresh.has(token);
  }

  /** True while the access token exists and has not expired on the emulator clock. */
  isValid(token: string): boolean {
    const expires = this.access.get(token);
    return expires !== undefined && this.clock.now() < expires;
  }
}

function grantError(res: Response, error: string, description: string): void {
  sendJson(res, 400, { error, error_description: description });
}

export function registerOAuth(kit: EmulatorKit, tokens: TokenRegistry): void {
  const { clock } = kit;
  const issue = (req: Request, res: Response, withRefresh: boolean): void => {
    const base = baseUrlOf(req);
    const body: Record<string, string> = {
      access_token: tokens.issueAccess(),
      signature: randomBytes(32).toString('base64'),
      scope: 'api refresh_token',
      instance_url: base,
      id: `${base}/id/${ORG_ID}/${INTEGRATION_USER_ID}`,
      token_type: 'Bearer',
      issued_at: String(clock.now()),
    };
    if (withRefresh) body.refresh_token = tokens.issueRefresh();
    sendJson(res, 200, body);
  };

  kit.route('post', '/services/oauth2/token', 'POST /services/oauth2/token', (req, res) => {
    const parsed = formSchema.safeParse(req.body ?? {});
    if (!parsed.success) return grantError(res, 'invalid_request', 'send an application/x-www-form-urlencoded body');
    const form = parsed.data;
    const clientOk = form.client_id === SANDBOX_CLIENT_ID;
    switch (form.grant_type) {
      case 'client_credentials':
        if (!clientOk) return grantError(res, 'invalid_client_id', 'client identifier invalid');
        if (form.client_secret !== SANDBOX_CLIENT_SECRET) return grantError(res, 'invalid_client', 'invalid client credentials');
        return issue(req, res, false);
      case 'refresh_token':
        if (!clientOk) return grantError(res, 'invalid_client_id', 'client identifier invalid');
        if (!form.refresh_token || !tokens.hasRefresh(form.refresh_token)) return grantError(res, 'invalid_grant', 'expired access/refresh token');
        return issue(req, res, false);
      case JWT_BEARER: {
        const claims = decodeJwtClaims(form.assertion ?? '');
        if (!claims) return grantError(res, 'invalid_grant', 'invalid assertion');
        if (claims.iss !== SANDBOX_CLIENT_ID) return grantError(res, 'invalid_client_id', 'client identifier invalid');
        if (claims.exp * 1000 <= clock.now()) return grantError(res, 'invalid_grant', 'invalid assertion: expired');
        return issue(req, res, false);
      }
      case 'password':
        if (!clientOk || form.client_secret !== SANDBOX_CLIENT_SECRET) return grantError(res, 'invalid_client', 'invalid client credentials');
        if (!form.username || !form.password) return grantError(res, 'invalid_grant', 'authentication failure');
        return issue(req, res, true);
      default:
        return grantError(res, 'unsupported_grant_type', 'grant type not supported');
    }
  });
}

/** The bearer token of a request (Authorization: Bearer|OAuth, or ?oauth_token= as the identity service accepts), or ''. */
function bearerOf(req: Request): string {
  const header = req.headers.authorization ?? '';
  const token = header.replace(/^(Bearer|OAuth)\s+/i, '');
  if (token && token !== header) return token;
  return typeof req.query.oauth_token === 'string' ? req.query.oauth_token : '';
}

/**
 * The identity URL (GET /id/{orgId}/{userId}): who the token belongs to and the org's endpoints.
 * Not counted against the API budget; a bad token gets the identity service's 403 Bad_OAuth_Token.
 */
export function registerIdentity(kit: EmulatorKit, tokens: TokenRegistry): void {
  kit.route('get', '/id/:orgId/:userId', 'GET /id/{orgId}/{userId}', (req, res) => {
    if (!tokens.isValid(bearerOf(req))) {
      res.status(403).type('text/plain').send('Bad_OAuth_Token');
      return;
    }
    if (req.params.orgId !== ORG_ID || req.params.userId !== INTEGRATION_USER_ID) {
      res.status(404).type('text/plain').send('Bad_Id');
      return;
    }
    const base = baseUrlOf(req);
    const v = typeof req.query.version === 'string' && /^\d+\.\d$/.test(req.query.version) ? req.query.version : '{version}';
    sendJson(res, 200, {
      id: `${base}/id/${ORG_ID}/${INTEGRATION_USER_ID}`,
      asserted_user: true,
      user_id: INTEGRATION_USER_ID,
      organization_id: ORG_ID,
      username: 'integration@tidemark.sandbox',
      nick_name: 'integration',
      display_name: 'Tidemark Integration',
      email: 'integration@tidemark.sandbox',
      email_verified: true,
      first_name: 'Tidemark',
      last_name: 'Integration',
      timezone: 'GMT',
      photos: { picture: `${base}/profilephoto/005/F`, thumbnail: `${base}/profilephoto/005/T` },
      addr_street: null,
      addr_city: null,
      addr_state: null,
      addr_country: null,
      addr_zip: null,
      mobile_phone: null,
      mobile_phone_verified: false,
      is_lightning_login_user: false,
      status: { created_date: null, body: null },
      urls: {
        enterprise: `${base}/services/Soap/c/${v}/${ORG_ID.slice(0, 15)}`,
        metadata: `${base}/services/Soap/m/${v}/${ORG_ID.slice(0, 15)}`,
        partner: `${base}/services/Soap/u/${v}/${ORG_ID.slice(0, 15)}`,
        rest: `${base}/services/data/v${v}/`,
        sobjects: `${base}/services/data/v${v}/sobjects/`,
        search: `${base}/services/data/v${v}/search/`,
        query: `${base}/services/data/v${v}/query/`,
        recent: `${base}/services/data/v${v}/recent/`,
        tooling_rest: `${base}/services/data/v${v}/tooling/`,
        profile: `${base}/${INTEGRATION_USER_ID}`,
        custom_domain: base,
      },
      active: true,
      user_type: 'STANDARD',
      language: 'en_US',
      locale: 'en_US',
      utcOffset: 0,
      last_modified_date: '2024-01-01T00:00:00Z',
      is_app_installed: true,
    });
  });
}

/** The claims of a three-part RS256 JWT (header.claims.signature), or null when the shape is wrong. The signature is not verified. */
export function decodeJwtClaims(assertion: string): z.infer<typeof jwtClaimsSchema> | null {
  const parts = assertion.split('.');
  if (parts.length !== 3 || !parts[2]) return null;
  let header: unknown;
  let claims: unknown;
  try {
    header = JSON.parse(Buffer.from(parts[0] ?? '', 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!jwtHeaderSchema.safeParse(header).success) return null;
  const parsed = jwtClaimsSchema.safeParse(claims);
  return parsed.success ? parsed.data : null;
}

/** Bearer (or OAuth) token check, then one unit of the daily budget; Sforce-Limit-Info on every answer. */
export function restGuard(tokens: TokenRegistry, budget: ApiBudget): RequestHandler {
  return (req, res, next) => {
    const header = req.headers.authorization ?? '';
    const token = header.replace(/^(Bearer|OAuth)\s+/i, '');
    if (!token || token === header || !tokens.isValid(token)) {
      sendError(res, 401, 'Session expired or invalid', 'INVALID_SESSION_ID');
      return;
    }
    if (budget.used >= budget.max) {
      res.setHeader('Sforce-Limit-Info', budget.header());
      sendError(res, 403, 'TotalRequests Limit exceeded.', 'REQUEST_LIMIT_EXCEEDED');
      return;
    }
    budget.used += 1;
    res.setHeader('Sforce-Limit-Info', budget.header());
    next();
  };
}
