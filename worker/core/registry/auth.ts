// Token authentication as Docker Hub does it, good enough for `docker login` and `docker logout`:
// /v2/ answers 401 with a Bearer challenge; the client fetches /token, with Basic credentials
// when logged in, anonymously otherwise. Any user name with a non-empty password is accepted.
// Anonymous tokens may pull; pushing and deleting need a logged-in token.
import { RegistryError } from "./errors";

export type Access = "pull" | "push";

interface Grant {
  user: string | undefined;
}

/** A token lives as long as Docker Hub's (5 minutes); clients fetch a new one when told to. */
const TOKEN_TTL_S = 300;

export class TokenAuth {
  private readonly tokens = new Map<string, Grant>();

  constructor(private readonly service: string) {}

  challenge(realm: string, scope?: string): RegistryError {
    const s = scope ? `,scope="${scope}"` : "";
    return new RegistryError("UNAUTHORIZED", undefined, {
      "WWW-Authenticate": `Bearer realm="${realm}",service="${this.service}"${s}`,
    });
  }

  /** GET /token: exchanges Basic credentials (or none) for a bearer token. */
  issue(req: Request): Response {
    const basic = /^Basic\s+(.+)$/i.exec(req.headers.get("Authorization") ?? "")?.[1];
    let user: string | undefined;
    if (basic) {
      let decoded = "";
      try {
        decoded = atob(basic);
      } catch {
        decoded = "";
      }
      const colon = decoded.indexOf(":");
      const name = colon > 0 ? decoded.slice(0, colon) : "";
      const password = colon > 0 ? decoded.slice(colon + 1) : "";
      if (!name || !password) {
        return new RegistryError("UNAUTHORIZED", "incorrect username or password").toResponse("GET");
      }
      user = name;
    }
    const token = crypto.randomUUID();
    this.tokens.set(token, { user });
    const body = { token, access_token: token, expires_in: TOKEN_TTL_S, issued_at: new Date().toISOString() };
    return Response.json(body);
  }

  /** Throws a challenge unless the request carries a token allowing `access` on `repo`. */
  check(req: Request, realm: string, access: Access, repo?: string): void {
    const token = /^Bearer\s+(.+)$/i.exec(req.headers.get("Authorization") ?? "")?.[1];
    const grant = token ? this.tokens.get(token) : undefined;
    const scope = repo ? `repository:${repo}:${access === "push" ? "pull,push" : "pull"}` : undefined;
    if (!grant) throw this.challenge(realm, scope);
    if (access === "push" && !grant.user) {
      throw new RegistryError("DENIED", "log in first: docker login", {});
    }
  }
}
