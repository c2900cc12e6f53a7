// The generated fetch client names the DOM's `BodyInit`. This project compiles without the "DOM"
// lib, and @types/node 20 declares fetch's RequestInit/Request/Response but not BodyInit, so it is
// derived from Node's own RequestInit here (the same union, from undici-types).
declare global {
  type BodyInit = NonNullable<RequestInit['body']>;
}

export {};
