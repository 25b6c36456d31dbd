import { IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

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
  // The library refuses control characters in device labels; say so as a 400 rather than a 500.
  @Matches(/^[^\x00-\x1f\x7f]*$/, { message: 'device must not contain control characters' })
  device?: string;
}
