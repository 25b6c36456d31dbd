import { IsBoolean, IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

export class LoginDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  username: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  password: string;

  @IsOptional()
  @IsString()
  @MaxLength(100)
  // The library refuses such labels too (SessionInputError, 400), but only after login has begun: checked here,
  // a bad label is refused before the password is checked and before a session the cookie names is ended.
  @Matches(/^[^\x00-\x1f\x7f]*$/, { message: 'device must not contain control characters' })
  device?: string;

  /** Remember this device: a persistent cookie (Max-Age) and the library's rememberMe timeouts. */
  @IsOptional()
  @IsBoolean()
  remember?: boolean;
}
