/** JSON schemas the API's route files share. */

/** A refusal's body. */
export const errorSchema = { type: 'object', properties: { statusCode: { type: 'integer' }, code: { type: 'string' }, error: { type: 'string' }, message: { type: 'string' } } } as const;
export const usernameSchema = { type: 'string', minLength: 1, maxLength: 64 } as const;
