import { hrefOf } from '../http/route.decorator.js';
/** Where to go after sign-in: only a path within the web pages, never another origin ("//evil", "/\\evil") or the API. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/web\/[\w\-/?=&%.:]*$/.test(next) && next.length <= 2_000 ? next : hrefOf('plansPage');
}
