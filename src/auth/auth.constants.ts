export const JWT_KEYS = Symbol('JWT_KEYS');
